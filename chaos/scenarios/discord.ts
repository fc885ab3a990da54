import { Random, sleep } from '../random.js';
import type { ChaosSettings } from '../settings.js';
import { streamedOver } from '../brain.js';
import { ChaosStack, type ScenarioResult } from '../stack.js';

/**
 * Discord failing: bursts of REST 429s and 5xx (up to 20 requests in a row) and dropped gateway
 * connections (the client resumes, and the emulator replays what it missed), under a steady
 * stream of mentions.
 */

const CHANNELS = 8;
/** 5 messages a second over the channels. */
const SEND_INTERVAL_MS = 200;
const PHASE_MS = 60_000;
const BETWEEN_BURSTS_MS: [number, number] = [2000, 5000];
const BURST_LENGTH: [number, number] = [1, 20];
const STATUSES = [429, 500, 502, 503] as const;
/** `Retry-After` of the injected 429s. */
const RETRY_AFTER_MS: [number, number] = [50, 1000];
const GATEWAY_DROPS = 6;
/** Answers stream for about a second, edited as they grow. */
const STREAM_SECONDS = 1;
const FILLER = 'the release is on track: tests are green, the changelog is drafted, two reviews are left';
const WARM_UP_MS = 2000;
const TAIL_MS = 3000;
const SETTLE_TIMEOUT_MS = 60_000;

export async function runDiscord(settings: ChaosSettings): Promise<ScenarioResult> {
  const random = new Random(`${settings.seed}:discord`);
  const stack = await ChaosStack.start({ scenario: 'discord', settings, channels: CHANNELS, filler: FILLER });
  try {
    stack.brain.setShaper(streamedOver(STREAM_SECONDS));
    const bot = stack.addBot('bot');
    await bot.start();
    const stream = stack.stream(SEND_INTERVAL_MS);
    await sleep(WARM_UP_MS);
    const phaseEnd = Date.now() + PHASE_MS;
    const dropsAt = Array.from({ length: GATEWAY_DROPS }, () => Date.now() + random.between(0, PHASE_MS)).sort((a, b) => a - b);
    const bursts = new Map<number, { count: number; requests: number; longest: number }>();
    let drops = 0;
    let burstCount = 0;
    while (Date.now() < phaseEnd) {
      const wait = Math.min(random.between(...BETWEEN_BURSTS_MS), phaseEnd - Date.now());
      const until = Date.now() + wait;
      // Gateway drops fall between the REST bursts.
      while (dropsAt.length > 0 && dropsAt[0]! < until) {
        await sleep(Math.max(0, dropsAt.shift()! - Date.now()));
        stack.discord.faults.dropGateway();
        drops += 1;
      }
      await sleep(Math.max(0, until - Date.now()));
      if (Date.now() >= phaseEnd) break;
      // Every kind in turn, so that each run has 429s and each 5xx.
      const status = STATUSES[burstCount++ % STATUSES.length]!;
      const length = random.integer(...BURST_LENGTH);
      stack.discord.faults.failNextRest(length, status, status === 429 ? { retryAfterMs: Math.round(random.between(...RETRY_AFTER_MS)) } : {});
      const burst = bursts.get(status) ?? { count: 0, requests: 0, longest: 0 };
      bursts.set(status, { count: burst.count + 1, requests: burst.requests + length, longest: Math.max(burst.longest, length) });
    }
    await sleep(TAIL_MS);
    stream.stop();
    stack.discord.faults.clear();
    const resumes = stack.discord.gatewaySessions().reduce((total, session) => total + session.resumes, 0);
    return await stack.finish({
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
      details: () => {
        const failedRequests = stack.discord.restRequests.filter((request) => request.status >= 400).length;
        return [
          `REST bursts: ${[...bursts].map(([status, burst]) => `${status} ×${burst.count} (${burst.requests} requests, longest ${burst.longest})`).join(', ')}; gateway drops: ${drops}`,
          `REST requests answered ≥ 400: ${failedRequests} of ${stack.discord.restRequests.length}; gateway resumes: ${resumes}`,
        ];
      },
    });
  } finally {
    await stack.close();
  }
}
