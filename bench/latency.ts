import { setTimeout as sleep } from 'node:timers/promises';
import { type ResourceUse, startMeter } from './resources.js';
import type { Stack } from './stack.js';
import { type Distribution, distribution } from './stats.js';
import type { TurnSample } from './tracker.js';

export interface LatencyResult {
  sent: number;
  /** Measured messages that got no reply of their own (answered together with a later one, or lost). */
  unanswered: number;
  /** Sent → reply landed, minus the model's time: what the goals are about. */
  overhead: Distribution;
  /** Sent → the worker starting the turn: gateway, discord.js, storing and queueing, claiming. */
  intake: Distribution;
  /** Inside the worker, minus the model's time (the hook's totalMs − modelMs). */
  inWorker: Distribution;
  /** Reply landed → the turn finished (what the worker still does after the user sees the answer). */
  tail: Distribution;
  model: Distribution;
  /** Messages per second actually sent (the timer may fall behind under load). */
  achievedRate: number;
  resources: ResourceUse;
}

/** How long a reply may take before the message is counted as unanswered. */
const REPLY_TIMEOUT_MS = 30_000;

/**
 * Messages at a fixed rate, round-robin over the channels, so that (at 50/s over 100 channels)
 * each channel has at most one message in flight. The warm-up runs in the same stream, so the
 * measured turns start in a steady state.
 */
export async function runLatencyPhase(stack: Stack, options: { rate: number; warmupTurns: number; turns: number }): Promise<LatencyResult> {
  const total = options.warmupTurns + options.turns;
  const replies: Array<Promise<boolean>> = [];
  const measured: TurnSample[] = [];
  const intervalMs = 1000 / options.rate;
  let meter: (() => Promise<ResourceUse>) | undefined;
  let measuredStart = 0;
  const startedAt = performance.now();
  for (let index = 0; index < total; index++) {
    // Due times come from the start, not the previous send: a late timer does not slow the rate.
    const wait = startedAt + index * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    if (index === options.warmupTurns) {
      meter = startMeter(stack.bot);
      measuredStart = performance.now();
    }
    const sample = stack.send(stack.channelIds[index % stack.channelIds.length]!);
    const landed = stack.tracker.replyLanded(sample, REPLY_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
    if (index >= options.warmupTurns) {
      measured.push(sample);
      replies.push(landed);
    }
  }
  const achievedRate = options.turns / ((performance.now() - measuredStart) / 1000);
  await Promise.all(replies);
  await stack.tracker.reportsSettled(measured, 10_000);
  const resources = await meter!();
  const complete = measured.filter((sample): sample is Required<TurnSample> => sample.landedAt !== undefined && sample.report !== undefined);
  return {
    sent: measured.length,
    unanswered: measured.length - complete.length,
    overhead: distribution(complete.map((sample) => sample.landedAt - sample.sentAt - sample.report.modelMs)),
    intake: distribution(complete.map((sample) => sample.finishedAt - sample.report.totalMs - sample.sentAt)),
    inWorker: distribution(complete.map((sample) => sample.report.totalMs - sample.report.modelMs)),
    tail: distribution(complete.map((sample) => sample.finishedAt - sample.landedAt)),
    model: distribution(complete.map((sample) => sample.report.modelMs)),
    achievedRate,
    resources,
  };
}
