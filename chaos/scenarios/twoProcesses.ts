import { sleep } from '../random.js';
import type { ChaosSettings } from '../settings.js';
import { streamedOver } from '../brain.js';
import { ChaosStack, type ScenarioResult } from '../stack.js';

/**
 * Two bot processes on one database, both connected to the gateway (each sees every message),
 * under bursts: each message must be stored once, claimed once and answered once.
 */

const CHANNELS = 25;
const BURSTS = 3;
/** Each burst: this many messages within about a second, round-robin over the channels. */
const BURST_MESSAGES = 200;
const BURST_SPREAD_MS = 1000;
const BETWEEN_BURSTS_MS = 4000;
/** Answers stream for about half a second, so turns overlap with the next messages. */
const STREAM_SECONDS = 0.5;
const FILLER = 'tests are green and two reviews are left';
const SETTLE_TIMEOUT_MS = 60_000;

export async function runTwoProcesses(settings: ChaosSettings): Promise<ScenarioResult> {
  const stack = await ChaosStack.start({ scenario: 'two-processes', settings, channels: CHANNELS, filler: FILLER });
  try {
    stack.brain.setShaper(streamedOver(STREAM_SECONDS));
    // One after the other: the first one migrates the empty database.
    const first = stack.addBot('bot-a');
    await first.start();
    const second = stack.addBot('bot-b');
    await second.start();
    for (let burst = 0; burst < BURSTS; burst++) {
      for (let index = 0; index < BURST_MESSAGES; index++) {
        stack.ledger.send(stack.channelIds[index % CHANNELS]!);
        if (index % 10 === 9) await sleep(BURST_SPREAD_MS / (BURST_MESSAGES / 10));
      }
      if (burst < BURSTS - 1) await sleep(BETWEEN_BURSTS_MS);
    }
    const connected = stack.discord.gatewaySessions().filter((session) => session.connected).length;
    return await stack.finish({
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
      details: () => {
        const calls = stack.brain.calls.filter((call) => call.purpose === 'turn');
        const askedTwice = countRepeated(calls.map((call) => call.numbers.join(',')));
        return [
          `${BURSTS} bursts of ${BURST_MESSAGES} messages over ${CHANNELS} channels; model calls ${calls.length}, of which repeated the same messages: ${askedTwice}`,
          `gateway sessions connected during the bursts: ${connected}`,
        ];
      },
    });
  } finally {
    await stack.close();
  }
}

function countRepeated(keys: readonly string[]): number {
  const seen = new Set<string>();
  let repeated = 0;
  for (const key of keys) {
    if (seen.has(key)) repeated += 1;
    seen.add(key);
  }
  return repeated;
}
