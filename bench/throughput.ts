import { type ResourceUse, startMeter } from './resources.js';
import type { Stack } from './stack.js';
import { type Distribution, distribution } from './stats.js';
import type { TurnReport } from './tracker.js';

export interface ThroughputResult {
  /** Turns the hook reported finished within the window. */
  turns: number;
  seconds: number;
  turnsPerSecond: number;
  failedTurns: number;
  /** Messages whose reply did not come in time (the loop of that channel went on). */
  timeouts: number;
  /** In-worker overhead (totalMs − modelMs) under saturation. */
  inWorker: Distribution;
  resources: ResourceUse;
}

const REPLY_TIMEOUT_MS = 30_000;

/** The closed loops run this long before counting: connections opened, JIT warm, a steady state. */
const WARMUP_SECONDS = 2;

/**
 * A closed loop per channel: each sends its next message as soon as the reply to the previous
 * one landed, for `seconds` after a warm-up. Turns are counted by the hook, so a turn that
 * answered two messages at once counts once, as it cost once.
 */
export async function runThroughputPhase(stack: Stack, seconds: number): Promise<ThroughputResult> {
  const reports: TurnReport[] = [];
  const startedAt = performance.now() + WARMUP_SECONDS * 1000;
  const deadline = startedAt + seconds * 1000;
  // CPU is read over the counted window only: not the warm-up, not the drain after the deadline.
  const resources = new Promise<ResourceUse>((resolve) => {
    setTimeout(() => {
      const meter = startMeter(stack.bot);
      setTimeout(() => resolve(meter()), seconds * 1000);
    }, WARMUP_SECONDS * 1000);
  });
  const stopCounting = stack.tracker.onReport((_sample, report) => {
    const now = performance.now();
    if (now >= startedAt && now <= deadline) reports.push(report);
  });
  let timeouts = 0;
  const loop = async (channelId: string): Promise<void> => {
    while (performance.now() < deadline) {
      const sample = stack.send(channelId);
      await stack.tracker.replyLanded(sample, REPLY_TIMEOUT_MS).catch(() => {
        timeouts += 1;
      });
    }
  };
  await Promise.all(stack.channelIds.map(loop));
  stopCounting();
  return {
    turns: reports.length,
    seconds,
    turnsPerSecond: reports.length / seconds,
    failedTurns: reports.filter((report) => report.status !== 'done').length,
    timeouts,
    inWorker: distribution(reports.map((report) => report.totalMs - report.modelMs)),
    resources: await resources,
  };
}
