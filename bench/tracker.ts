import type { APIMessage } from 'discord-api-types/v10';
import type { LoggedEvent } from '../src/discordEmulator/emulator.js';

/** What the app's `turnFinished` hook reports. */
export interface TurnReport {
  status: string;
  modelMs: number;
  totalMs: number;
  agentId: number;
  channelId: string;
}

/** One user message and what became of it; times are `performance.now()` of this process. */
export interface TurnSample {
  readonly id: number;
  readonly channelId: string;
  readonly sentAt: number;
  /** When the bot's complete reply to this message was stored by the emulator. */
  landedAt?: number;
  /** When the hook reported the turn that answered it, and what it reported. */
  finishedAt?: number;
  report?: TurnReport;
}

/** Marks a message so that the demo brain's echo ("Echo: alice: … [q17] … (N messages)") names it. */
const MARK = /\[q(\d+)\]/;
/** The demo brain's echo ends so: the reply is complete, not a streaming prefix. */
const COMPLETE = /\(\d+ messages\)$/;

/**
 * Matches messages, replies and hook reports without scanning anything: a reply carries its
 * message's mark, and a turn's report (which comes after its reply was posted) belongs to the
 * newest replied-to message of its channel that has none yet. A turn that answered several
 * messages at once leaves the older ones without a reply; they are counted, not measured.
 */
export class TurnTracker {
  private nextId = 1;
  private readonly samples = new Map<number, TurnSample>();
  private readonly awaitingReport = new Map<string, TurnSample[]>();
  private readonly replyWaiters = new Map<number, () => void>();
  private readonly reportListeners = new Set<(sample: TurnSample | undefined, report: TurnReport) => void>();
  /** Reports the hook gave, whether or not they matched a message (throughput counts them all). */
  reportsSeen = 0;

  constructor(private readonly botId: string) {}

  /** Builds the text of a new message; `send` must post it at once (its time is taken here). */
  prepare(channelId: string): { sample: TurnSample; content: string } {
    const sample: TurnSample = { id: this.nextId++, channelId, sentAt: performance.now() };
    this.samples.set(sample.id, sample);
    // Realistic length, and none of the demo brain's command words (remember:, spawn…), so it echoes.
    return { sample, content: `<@${this.botId}> [q${sample.id}] how is the release going, and what is left to do before Friday?` };
  }

  /** Feed every emulator event here (synchronously, as it happens). */
  onEmulatorEvent(event: LoggedEvent): void {
    if (event.type !== 'messageCreated' && event.type !== 'messageUpdated') return;
    const reply = this.completeReply(event.message);
    if (!reply || reply.landedAt !== undefined) return;
    reply.landedAt = performance.now();
    let queue = this.awaitingReport.get(reply.channelId);
    if (!queue) this.awaitingReport.set(reply.channelId, (queue = []));
    queue.push(reply);
    this.replyWaiters.get(reply.id)?.();
    this.replyWaiters.delete(reply.id);
  }

  /** Feed the app's `turnFinished` hook here. */
  onTurnFinished(report: TurnReport): void {
    this.reportsSeen += 1;
    const sample = this.awaitingReport.get(report.channelId)?.pop();
    if (sample) {
      sample.finishedAt = performance.now();
      sample.report = report;
      // Older replied-to messages in the queue were answered by an earlier turn whose report was lost: never.
      this.awaitingReport.delete(report.channelId);
    }
    for (const listener of this.reportListeners) listener(sample, report);
  }

  /** Resolves once the sample's reply landed; rejects after `timeoutMs`. */
  replyLanded(sample: TurnSample, timeoutMs: number): Promise<void> {
    if (sample.landedAt !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replyWaiters.delete(sample.id);
        reject(new Error(`no reply to message [q${sample.id}] in channel ${sample.channelId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replyWaiters.set(sample.id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Resolves once every sample that has a reply also has its turn's report (or `timeoutMs` passed). */
  async reportsSettled(samples: readonly TurnSample[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (samples.some((sample) => sample.landedAt !== undefined && !sample.report) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  onReport(listener: (sample: TurnSample | undefined, report: TurnReport) => void): () => void {
    this.reportListeners.add(listener);
    return () => this.reportListeners.delete(listener);
  }

  private completeReply(message: APIMessage): TurnSample | undefined {
    if (message.author.id !== this.botId || !COMPLETE.test(message.content)) return undefined;
    const mark = MARK.exec(message.content);
    const sample = mark ? this.samples.get(Number(mark[1])) : undefined;
    return sample?.channelId === message.channel_id ? sample : undefined;
  }
}
