import { type Interruption, recoveryOf } from '../accounting.js';
import { Random, sleep } from '../random.js';
import type { ChaosSettings } from '../settings.js';
import { streamedOver } from '../brain.js';
import { ChaosStack, type ScenarioResult } from '../stack.js';

/** `kill -9` of the bot at random moments of a steady stream of mentions, restarting it each time. */

const CHANNELS = 8;
const KILLS = 20;
/** 4 messages a second over the channels, sent on while the bot is down. */
const SEND_INTERVAL_MS = 250;
/** How long the bot runs, once ready, before it is killed; and how long it stays down. */
const UPTIME_MS: [number, number] = [3000, 7000];
const DOWNTIME_MS: [number, number] = [200, 1500];
/** Every answer streams for 2 s (edited every second), however many messages it names, so that kills land mid-reply. */
const STREAM_SECONDS = 2;
const FILLER = 'the release is on track: tests are green, the changelog is drafted, two reviews are left before Friday';
const WARM_UP_MS = 2000;
const TAIL_MS = 3000;
const SETTLE_TIMEOUT_MS = 60_000;
const RECOVERY_GOAL_MS = 10_000;

export async function runKill(settings: ChaosSettings): Promise<ScenarioResult> {
  const random = new Random(`${settings.seed}:kill`);
  const stack = await ChaosStack.start({ scenario: 'kill', settings, channels: CHANNELS, filler: FILLER });
  try {
    stack.brain.setShaper(streamedOver(STREAM_SECONDS));
    const bot = stack.addBot('bot');
    await bot.start();
    const stream = stack.stream(SEND_INTERVAL_MS);
    await sleep(WARM_UP_MS);
    const interruptions: Interruption[] = [];
    const downtimes: Array<[number, number]> = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(random.between(...UPTIME_MS));
      const interrupted = stack.inFlight();
      const at = Date.now();
      await bot.kill();
      interruptions.push({ at, interrupted });
      await sleep(random.between(...DOWNTIME_MS));
      // A start that fails is a crash: the supervisor in BotProcess starts it again.
      await bot.start().catch(() => {});
      downtimes.push([at, Date.now()]);
    }
    await sleep(TAIL_MS);
    stream.stop();
    return await stack.finish({
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
      interruptions,
      recoveryGoalMs: RECOVERY_GOAL_MS,
      details: () => {
        const whileDown = stack.ledger.sent.filter((sent) => downtimes.some(([from, to]) => sent.sentAt >= from && sent.sentAt < to));
        const downMs = downtimes.reduce((total, [from, to]) => total + (to - from), 0);
        return [
          `${KILLS} kills, ${interruptions.filter((interruption) => interruption.interrupted.length > 0).length} of them mid-reply; down ${(downMs / 1000).toFixed(1)} s in all (kill → ready)`,
          `sent while down: ${whileDown.length}, answered: ${whileDown.filter((sent) => sent.answeredAt !== undefined).length}`,
          `recovery of each kill (s): ${interruptions.map((interruption) => recoveryText(interruption, stack)).join(' ')}`,
        ];
      },
    });
  } finally {
    await stack.close();
  }
}

function recoveryText(interruption: Interruption, stack: ChaosStack): string {
  const ms = recoveryOf(interruption, stack.ledger);
  return ms === undefined ? 'never' : (ms / 1000).toFixed(1);
}
