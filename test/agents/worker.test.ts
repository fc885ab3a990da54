import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Claim, LeaseState, TurnResult, WorkQueue } from '../../src/agents/ports.js';
import { LeaseLostError } from '../../src/agents/errors.js';
import { type TurnOutcome } from '../../src/agents/runtime.js';
import { TurnWorker } from '../../src/agents/worker.js';
import { silentLogger } from '../../src/logger.js';
import { testPersona } from '../support/engine/builders.js';
import { RecordingSignals } from '../support/engine/signals.js';

/** A queue of agent ids in memory, counting the claims asked of it. */
class MemoryQueue implements WorkQueue {
  readonly queued: number[] = [];
  claims = 0;
  /** Agents to queue again when their turn finishes (woken during it). */
  readonly requeueOnFinish = new Set<number>();
  /** Called while a claim is on its way back, after it looked at the queue. */
  duringClaim?: () => void;
  /** What renewing a lease answers: false once another process took it. */
  leaseHeld = true;
  /** Endings asked for, and how many of the next ones fail as if the database were away. */
  readonly finished: TurnResult[] = [];
  failingFinishes = 0;

  /** Agents that are helpers: claimed only while the worker allows helpers. */
  readonly helpers = new Set<number>();

  /** Queued agents whose rows another statement holds: a claim passes over them. */
  readonly locked = new Set<number>();

  async claimNext(_owner?: string, _leaseMs?: number, _busy?: readonly number[], claimOptions = { helpers: true }): Promise<Claim | null> {
    this.claims += 1;
    const index = this.queued.findIndex((id) => this.claimable(id, claimOptions) && !this.locked.has(id));
    const agentId = index < 0 ? undefined : this.queued.splice(index, 1)[0];
    await Promise.resolve();
    this.duringClaim?.();
    this.duringClaim = undefined;
    return agentId === undefined ? null : this.claimOf(agentId);
  }

  async hasClaimable(_busy: readonly number[], claimOptions: { helpers: boolean }): Promise<boolean> {
    return this.queued.some((id) => this.claimable(id, claimOptions));
  }

  private claimable(agentId: number, claimOptions: { helpers: boolean }): boolean {
    return claimOptions.helpers || !this.helpers.has(agentId);
  }

  /** A claim of `agentId`, as a statement would return it. */
  async claimOf(agentId: number): Promise<Claim> {
    const agent = { id: agentId, guildId: 'g', channelId: `c${agentId}`, kind: this.helpers.has(agentId) ? ('helper' as const) : ('channel' as const), persona: testPersona, replyMode: 'mention', runState: 'running', lifecycle: 'active', depth: 0, parentId: null, rootId: null, treeId: null, task: null, briefing: null, actsFor: null, homeChannelId: null, tokenBudget: null, deadlineAt: null, createdAt: new Date(0), historyStartId: 0, summary: null, summaryThroughId: 0, wakeSeq: 1, noticeMessageId: null } as const;
    const lease = { agentId, turnId: agentId, owner: 'test' };
    return { agent, wakeSeq: 1, turn: { id: agentId, agentId, requestedBy: null, attempts: 1 }, lease, answeredThroughId: 0, unanswered: true, unsummarisedTokens: 0, pendingAttachments: false, offlineMessageId: null, actsFor: [], answerInput: { kind: 'chat', scheduleId: null } };
  }

  async renewLease(): Promise<LeaseState> {
    return this.leaseHeld ? 'held' : 'lost';
  }

  async releaseLeases(): Promise<number> {
    return 0;
  }

  async expireLeasesOf(): Promise<number> {
    return 0;
  }

  /** When another process's next lease runs out, as the database would say; asks counted. */
  leaseExpiryMs: number | null = null;
  leaseExpiryAsks = 0;

  async msToNextLeaseExpiry(): Promise<number | null> {
    this.leaseExpiryAsks += 1;
    return this.leaseExpiryMs;
  }

  async recordAnswer(): Promise<void> {}

  async finish(claim: Claim, outcome: TurnResult): Promise<boolean> {
    if (this.failingFinishes > 0) {
      this.failingFinishes -= 1;
      throw new Error('connection refused');
    }
    this.finished.push(outcome);
    if (!this.requeueOnFinish.delete(claim.agent.id)) return false;
    this.queued.push(claim.agent.id);
    return true;
  }
}

const options = { owner: 'test', leaseMs: 60_000, databaseRetryMs: 5000, concurrency: 4 };

describe('turn worker', () => {
  let worker: TurnWorker | undefined;
  afterEach(() => worker?.stop(1000));

  /** A worker whose turns are reported to `ran`, in order. */
  function startWorker(queue: MemoryQueue, ran: number[]): TurnWorker {
    const runtime = {
      runTurn: async (claim: Claim): Promise<TurnOutcome> => {
        ran.push(claim.agent.id);
        return { status: 'done', modelMs: 0 };
      },
    };
    worker = new TurnWorker(queue, runtime, new RecordingSignals(), () => {}, options, silentLogger());
    return worker;
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('claims once per wake: a queued message costs no empty claim', async () => {
    const queue = new MemoryQueue();
    const ran: number[] = [];
    const worker = startWorker(queue, ran);
    worker.start(); // the first poll finds nothing
    await settle();
    const claimsAfterPoll = queue.claims;
    for (const id of [1, 2, 3]) {
      queue.queued.push(id);
      worker.wake();
    }
    await settle();
    expect(ran).toEqual([1, 2, 3]);
    expect(queue.claims - claimsAfterPoll).toBe(3);
  });

  // The agent is queued, and the worker told, after the claim looked: it saw nothing. A poll is
  // another process signalling work it has no slot for.
  it.each(['wake', 'poll'] as const)('does not lose a %s that comes while a claim finds nothing', async (reason) => {
    const queue = new MemoryQueue();
    const ran: number[] = [];
    const worker = startWorker(queue, ran);
    worker.start();
    await settle();
    queue.duringClaim = () => {
      queue.queued.push(7);
      worker[reason]();
    };
    worker.wake();
    await settle();
    expect(ran).toEqual([7]);
  });

  it('takes an agent again when it was woken during its own turn', async () => {
    const queue = new MemoryQueue();
    const ran: number[] = [];
    const worker = startWorker(queue, ran);
    worker.start();
    await settle();
    queue.requeueOnFinish.add(5);
    queue.queued.push(5);
    worker.wake();
    await settle();
    expect(ran).toEqual([5, 5]);
  });

  it('gives helpers at most half of the slots, and claims a waiting helper as soon as one frees its slot', async () => {
    const queue = new MemoryQueue();
    const running: number[] = [];
    const releases = new Map<number, () => void>();
    const runtime = {
      runTurn: (claim: Claim): Promise<TurnOutcome> => {
        running.push(claim.agent.id);
        return new Promise((resolve) => releases.set(claim.agent.id, () => resolve({ status: 'done', modelMs: 0 })));
      },
    };
    worker = new TurnWorker(queue, runtime, new RecordingSignals(), () => {}, options, silentLogger());
    worker.start();
    await settle();
    for (const id of [1, 2, 3]) {
      queue.helpers.add(id);
      queue.queued.push(id);
      worker.wake();
    }
    queue.queued.push(4);
    worker.wake();
    await settle();
    // Four slots: two for helpers, and the channel agent is not held up behind the third helper.
    expect(running).toEqual([1, 2, 4]);
    releases.get(1)!();
    await settle();
    // Nothing else looks: the freed helper slot claims the helper that waited.
    expect(running).toEqual([1, 2, 4, 3]);
  });

  it('claims everything queued on a poll (work of other processes)', async () => {
    const queue = new MemoryQueue();
    const ran: number[] = [];
    queue.queued.push(1, 2, 3, 4, 5, 6);
    startWorker(queue, ran).start();
    await settle();
    expect(ran.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('holds a slot for a claim made with the message, and gives it back when none was made', async () => {
    const queue = new MemoryQueue();
    const ran: number[] = [];
    worker = new TurnWorker(queue, { runTurn: async (claim) => (ran.push(claim.agent.id), { status: 'done', modelMs: 0 }) }, new RecordingSignals(), () => {}, { ...options, concurrency: 1 }, silentLogger());
    worker.start();
    await settle();
    const slot = worker.reserve();
    expect(slot?.lease).toEqual({ owner: 'test', leaseMs: 60_000 });
    // The only slot is held: nothing else may take it, neither another reservation nor a wake.
    expect(worker.reserve()).toBeNull();
    queue.queued.push(2);
    worker.wake();
    await settle();
    expect(ran).toEqual([]);
    slot!.release();
    await settle();
    expect(ran).toEqual([2]);
    const claimed = await queue.claimOf(9);
    worker.reserve()!.run(claimed);
    await settle();
    expect(ran).toEqual([2, 9]);
  });

  it('aborts a turn whose lease was taken over, and leaves its ending to the new owner', async () => {
    const queue = new MemoryQueue();
    queue.leaseHeld = false;
    let aborted: unknown;
    const runtime = {
      runTurn: (_claim: Claim, signal: AbortSignal) =>
        new Promise<TurnOutcome>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            resolve({ status: 'aborted', modelMs: 0 });
          });
        }),
    };
    worker = new TurnWorker(queue, runtime, new RecordingSignals(), () => {}, { ...options, leaseMs: 300 }, silentLogger());
    worker.start();
    queue.queued.push(3);
    worker.wake();
    await expect.poll(() => aborted).toBeInstanceOf(LeaseLostError);
    await settle();
    expect(queue.finished).toEqual([]);
  });

  it('ends a turn whose runtime threw as failed, retrying while the database is away', async () => {
    const queue = new MemoryQueue();
    queue.failingFinishes = 2;
    const runtime = { runTurn: async (): Promise<TurnOutcome> => Promise.reject(new Error('a bug')) };
    worker = new TurnWorker(queue, runtime, new RecordingSignals(), () => {}, options, silentLogger());
    worker.start();
    queue.queued.push(4);
    worker.wake();
    await expect.poll(() => queue.finished, { timeout: 3000 }).toEqual([{ status: 'failed', error: 'a bug' }]);
    expect(queue.failingFinishes).toBe(0);
  });

  it('waits before claiming again, not in a loop, while claiming fails', async () => {
    const queue = new MemoryQueue();
    queue.claimNext = async () => {
      queue.claims += 1;
      throw new Error('database down');
    };
    worker = new TurnWorker(queue, { runTurn: async () => ({ status: 'done', modelMs: 0 }) }, new RecordingSignals(), () => {}, options, silentLogger());
    worker.start(); // one poll, which fails
    await settle();
    expect(queue.claims).toBe(1);
  });

  describe('while nothing can change', () => {
    afterEach(() => vi.useRealTimers());

    function idleWorker(queue: MemoryQueue, signals: RecordingSignals, ran: number[]): TurnWorker {
      vi.useFakeTimers();
      worker = new TurnWorker(queue, { runTurn: async (claim) => (ran.push(claim.agent.id), { status: 'done', modelMs: 0 }) }, signals, () => {}, options, silentLogger());
      worker.start();
      return worker;
    }

    it('asks the database nothing, however long it waits', async () => {
      const queue = new MemoryQueue();
      idleWorker(queue, new RecordingSignals(), []);
      await vi.advanceTimersByTimeAsync(10);
      expect([queue.claims, queue.leaseExpiryAsks]).toEqual([1, 1]);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect([queue.claims, queue.leaseExpiryAsks]).toEqual([1, 1]);
    });

    it('claims when another process signals work, and when another process\'s lease runs out', async () => {
      const queue = new MemoryQueue();
      const signals = new RecordingSignals();
      const ran: number[] = [];
      idleWorker(queue, signals, ran);
      await vi.advanceTimersByTimeAsync(10);
      queue.queued.push(1);
      signals.receive('work');
      await vi.advanceTimersByTimeAsync(10);
      expect(ran).toEqual([1]);
      // Another process claimed a turn: its lease runs out in 5 s, unless it renews it.
      queue.leaseExpiryMs = 5000;
      signals.receive('claims');
      await vi.advanceTimersByTimeAsync(10);
      queue.leaseExpiryMs = null;
      queue.queued.push(2); // as if that process had died: its lease ran out
      await vi.advanceTimersByTimeAsync(4900);
      expect(ran).toEqual([1]);
      await vi.advanceTimersByTimeAsync(200);
      expect(ran).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(queue.leaseExpiryAsks).toBe(3);
    });

    it('looks again shortly, and then no more, when the agent it was woken for was locked by another statement', async () => {
      const queue = new MemoryQueue();
      const ran: number[] = [];
      idleWorker(queue, new RecordingSignals(), ran);
      await vi.advanceTimersByTimeAsync(10);
      // Its row is held (a message for it being stored): the claim passes over it.
      queue.queued.push(1);
      queue.locked.add(1);
      worker!.wake();
      await vi.advanceTimersByTimeAsync(10);
      expect(ran).toEqual([]);
      queue.locked.delete(1);
      await vi.advanceTimersByTimeAsync(100);
      expect(ran).toEqual([1]);
      const claims = queue.claims;
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(queue.claims).toBe(claims);
    });

    it('tells the other processes when it holds turns, and about work it has no slot for', async () => {
      const queue = new MemoryQueue();
      const signals = new RecordingSignals();
      const releases: Array<() => void> = [];
      vi.useFakeTimers();
      const runtime = { runTurn: () => new Promise<TurnOutcome>((resolve) => releases.push(() => resolve({ status: 'done', modelMs: 0 }))) };
      worker = new TurnWorker(queue, runtime, signals, () => {}, { ...options, concurrency: 1 }, silentLogger());
      worker.start();
      await vi.advanceTimersByTimeAsync(10);
      queue.queued.push(1);
      worker.wake();
      await vi.advanceTimersByTimeAsync(10);
      expect(signals.sent).toEqual(['claims']);
      queue.queued.push(2);
      worker.wake();
      expect(signals.sent).toEqual(['claims', 'work']);
      // Its slot frees and takes agent 2: from holding none to holding one again.
      releases.shift()!();
      await vi.advanceTimersByTimeAsync(10);
      expect(signals.sent).toEqual(['claims', 'work', 'claims']);
      releases.shift()!();
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(signals.sent).toEqual(['claims', 'work', 'claims']);
    });
  });
});
