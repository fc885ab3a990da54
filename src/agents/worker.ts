import { retryWrite } from './databaseRetry.js';
import { DueLoop } from './dueLoop.js';
import { HelperEndedError, LeaseLostError } from './errors.js';
import type { Logger } from './logger.js';
import type { Claim, LeaseRequest, ProcessSignals, WorkQueue } from './ports.js';
import type { AgentRuntime, TurnOutcome } from './runtime.js';

/** How often a helper's running turn renews its lease, which is how it hears of a cancel. */
const HELPER_RENEW_MS = 1000;
/** How soon claiming is tried again when the agents it could take were locked by other statements. */
const LOCKED_RETRY_MS = 50;
/** How soon claiming is tried again after it failed (the database was away). */
const CLAIM_RETRY_MS = 1000;

/** Helpers take at most half of the worker slots (at least one), so a busy tree never holds up chat. */
export function helperSlots(concurrency: number): number {
  return Math.max(1, Math.floor(concurrency / 2));
}

export interface WorkerOptions {
  /** Identifies this process in leases. */
  owner: string;
  leaseMs: number;
  /** How long ending a turn is retried while the database is unreachable. */
  databaseRetryMs: number;
  concurrency: number;
}

/**
 * A worker slot held while a claim is made elsewhere: the statement that stores a message can
 * claim its idle agent at once, saving the worker a round trip. Run the claim, or release.
 */
export interface WorkerSlot {
  readonly lease: LeaseRequest;
  run(claim: Claim): void;
  release(): void;
}

export interface TurnObserver {
  turnFinished(outcome: TurnOutcome & { totalMs: number; agentId: number; channelId: string }): void;
}

/**
 * Claims queued agents from the database and runs their turns, up to `concurrency` at once.
 * Work is found by `wake()` (this process just queued one agent: one claim) and by `poll()`
 * (claims until there is nothing left): at start, when another process signals work it has no
 * slot for, and when the lease of another process's turn runs out (that process may have died).
 * Nothing is polled while nothing can change: an idle worker sleeps. Leases are renewed
 * every third of their length while a turn runs; a renewal that finds the lease taken aborts the
 * turn. Every turn ends: a turn that failed in any way is ended as failed, and ending it is
 * retried while the database is away.
 */
export class TurnWorker {
  private inFlight = new Map<number, Promise<void>>();
  /** Agents in flight that are helpers: they may hold at most half of the slots. */
  private helpersInFlight = new Set<number>();
  /** Polls when the next lease held by another process runs out. */
  private readonly leaseWatch: DueLoop;
  private pumping = false;
  /** Claims still to try: one per wake, unlimited after a poll, 0 once a claim found nothing. */
  private wanted = 0;
  /** Reasons to claim ever received (wakes, polls, freed helper slots, requeued agents): tells which came while a claim was on its way. */
  private reasons = 0;
  /** Slots held by `reserve()` and not yet run or released. */
  private reserved = 0;
  private stopped = true;

  constructor(
    private readonly queue: WorkQueue,
    private readonly runtime: Pick<AgentRuntime, 'runTurn'>,
    private readonly signals: ProcessSignals,
    /** Outbox items were written (a helper's header edits and results, a schedule's paused notice): send them. */
    private readonly postsQueued: () => void,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
    private readonly observer?: TurnObserver,
  ) {
    this.leaseWatch = new DueLoop(
      async () => {
        this.poll();
        return this.queue.msToNextLeaseExpiry(this.options.owner);
      },
      { retryMs: CLAIM_RETRY_MS, failure: 'looking for the leases of other processes failed; will retry' },
      logger,
    );
    signals.on('work', () => this.poll());
    signals.on('claims', () => this.leaseWatch.kick());
  }

  start(): void {
    this.stopped = false;
    this.leaseWatch.start();
  }

  /** One agent was queued: claim it now (another process may, when this one has no slot for it). */
  wake(): void {
    if (this.stopped || !this.hasRoom()) this.signals.send('work');
    this.want(1);
    this.pump();
  }

  /** Holds a slot for a claim made elsewhere; null when every slot is taken or work is waiting for one. */
  reserve(): WorkerSlot | null {
    if (this.stopped || this.wanted > 0 || !this.hasRoom()) return null;
    this.reserved += 1;
    let held = true;
    const free = () => {
      if (!held) return false;
      held = false;
      this.reserved -= 1;
      return true;
    };
    return {
      lease: { owner: this.options.owner, leaseMs: this.options.leaseMs },
      run: (claim) => {
        if (free()) this.runClaim(claim);
      },
      release: () => {
        if (free()) this.pump();
      },
    };
  }

  /** Claims whatever is queued. */
  poll(): void {
    this.want(Number.POSITIVE_INFINITY);
    this.pump();
  }

  /**
   * Stops claiming and waits for the turns in flight, up to `deadlineMs`. Turns still running
   * then are released: their rows stay, and the next process to look resumes them.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopped = true;
    await this.leaseWatch.stop();
    const all = Promise.allSettled([...this.inFlight.values()]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, deadlineMs).unref())]);
    if (this.inFlight.size > 0) {
      const released = await this.queue.releaseLeases(this.options.owner);
      this.logger.warn({ released }, 'stopped with turns in flight; released them to other processes');
      if (released > 0) this.signals.send('work');
    }
  }

  private pump(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = true;
    this.claimWanted()
      .catch((error: unknown) => {
        // Claiming again at once would spin while the database is down.
        this.wanted = 0;
        this.leaseWatch.wakeBy(new Date(Date.now() + CLAIM_RETRY_MS));
        this.logger.error({ err: error }, 'claiming work failed; will retry');
      })
      .finally(() => {
        this.pumping = false;
        // A wake that came after the loop's last check would otherwise wait for the next one.
        if (this.wanted > 0 && this.hasRoom()) this.pump();
      });
  }

  private async claimWanted(): Promise<void> {
    while (!this.stopped && this.wanted > 0 && this.hasRoom()) {
      this.wanted -= 1;
      const reasonsBefore = this.reasons;
      const helpers = this.helpersInFlight.size < helperSlots(this.options.concurrency);
      const busy = [...this.inFlight.keys()];
      const claim = await this.queue.claimNext(this.options.owner, this.options.leaseMs, busy, { helpers });
      if (!claim) {
        // A reason to claim that came during the claim may name work the claim could not see.
        if (this.reasons !== reasonsBefore) continue;
        this.wanted = 0;
        // A claim passes over agents whose rows another statement holds at that instant: no one else may wake this process for them.
        if (await this.queue.hasClaimable(busy, { helpers })) this.leaseWatch.wakeBy(new Date(Date.now() + LOCKED_RETRY_MS));
        continue;
      }
      this.runClaim(claim);
    }
  }

  private want(claims: number): void {
    this.reasons += 1;
    this.wanted += claims;
  }

  private hasRoom(): boolean {
    return this.inFlight.size + this.reserved < this.options.concurrency;
  }

  private runClaim(claim: Claim): void {
    // The others watch this process's leases from now on, in case it dies holding them.
    if (this.inFlight.size === 0) this.signals.send('claims');
    // Claiming a helper marks its header for an edit (it shows the helper running).
    if (claim.agent.kind === 'helper') this.postsQueued();
    if (claim.agent.kind === 'helper') this.helpersInFlight.add(claim.agent.id);
    const run = this.run(claim).finally(() => {
      this.inFlight.delete(claim.agent.id);
      // A helper's slot is free: a helper queued while the slots were full was not claimed then.
      if (this.helpersInFlight.delete(claim.agent.id)) this.want(1);
      // A free slot: claim what waited for one.
      this.pump();
    });
    this.inFlight.set(claim.agent.id, run);
  }

  private async run(claim: Claim): Promise<void> {
    const startedAt = performance.now();
    const log = this.logger.child({ agentId: claim.agent.id, turnId: claim.turn.id });
    // Aborted when the lease is found lost (the turn stops its model call and posts nothing more)
    // or its helper was cancelled (the turn stops, and ends as this process still holds it).
    const leaseLost = new AbortController();
    const renewEveryMs = Math.max(100, Math.floor(this.options.leaseMs / 3));
    const renewal = setInterval(
      () => {
        this.queue.renewLease(claim.lease, this.options.leaseMs).then(
          (state) => {
            if (state === 'lost') leaseLost.abort(new LeaseLostError(claim.lease));
            if (state === 'ended') leaseLost.abort(new HelperEndedError(claim.agent.id));
          },
          (error: unknown) => log.warn({ err: error }, 'lease renewal failed'),
        );
      },
      // A cancel reaches a helper's running turn within about a second, in any process.
      claim.agent.kind === 'helper' ? Math.min(HELPER_RENEW_MS, renewEveryMs) : renewEveryMs,
    );
    try {
      const outcome = await this.runtime.runTurn(claim, leaseLost.signal).catch(
        (error: unknown): TurnOutcome => ({ status: 'failed', error: error instanceof Error ? error.message : String(error), modelMs: 0 }),
      );
      if (outcome.status === 'aborted') return;
      const { status, error, seenThroughId, noticeMessageId, skipped } = outcome;
      const requeued = await retryWrite(() => this.queue.finish(claim, { status, error, seenThroughId, noticeMessageId, skipped, answer: outcome.answer }), {
        deadlineMs: this.options.databaseRetryMs,
        // A cancelled helper's turn is still this process's to end.
        signal: leaseLost.signal.reason instanceof HelperEndedError ? undefined : leaseLost.signal,
        logger: log,
        what: 'ending the turn',
      });
      // Woken during its turn: the agent is queued again, and this process takes it.
      if (requeued) this.want(1);
      if (claim.agent.kind === 'helper' || claim.answerInput?.kind === 'schedule') this.postsQueued();
      this.observer?.turnFinished({ ...outcome, totalMs: performance.now() - startedAt, agentId: claim.agent.id, channelId: claim.agent.channelId });
    } catch (error) {
      if (error instanceof LeaseLostError) log.warn({ err: error }, 'the turn was taken over by another process before it could end');
      // The database stayed away past the retry limit: the lease expires and the turn is resumed.
      else log.error({ err: error }, 'turn could not be finished');
    } finally {
      clearInterval(renewal);
    }
  }
}
