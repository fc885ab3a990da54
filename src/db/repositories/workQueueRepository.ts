import { type SQLWrapper, and, eq, getTableColumns, inArray, isNotNull, sql } from 'drizzle-orm';
import { LeaseLostError } from '../../agents/errors.js';
import type { Claim, LeaseState, ShownAnswer, TurnResult, WorkQueue } from '../../agents/ports.js';
import { SCHEDULE_PAUSE_AFTER_FAILURES } from '../../agents/schedules.js';
import type { Turn, TurnLease } from '../../agents/types.js';
import { type Database, type Executor, executeRows, msUntil } from '../database.js';
import { agents, turns } from '../schema.js';
import { bound, sideEffect } from './boundValues.js';
import {
  actsFor,
  answerInputKind,
  answerScheduleId,
  answerThroughId,
  answeredThroughId,
  bindLease,
  leaseEnd,
  leaseHeld,
  offlineMessageId,
  pendingAttachments,
  unanswered,
  unfinishedTurnId,
  unsummarisedTokens,
} from './claimColumns.js';
import { endHelperTurn } from './helperTurns.js';
import { settleRun } from './scheduleRepository.js';
import { lockSpawnersOf, refreshTokensUsed } from './treeRepository.js';
import { toAgent } from './mappers.js';
import { bindMessage, insertMessageSelect } from './messageRepository.js';
import { bindUsage, insertUsageSelect } from './usageRepository.js';

/**
 * The turn queue lives in the agents table. A claim is a lease: `FOR UPDATE SKIP LOCKED` lets
 * any number of processes claim concurrently without ever taking the same agent, and a lease
 * left by a dead process expires so that its turn is run again. Every write of a turn is fenced
 * by its lease (see `leaseHeld`).
 */
export class WorkQueueRepository implements WorkQueue {
  private readonly claim;
  private readonly answer;
  private readonly end;

  constructor(
    private readonly db: Database,
    /** HELPER_RESULT_MAX_TOKENS, for the results a helper's last turn delivers. */
    private readonly resultMaxTokens: number,
  ) {
    this.claim = claimStatement(db).prepare('claim_next');
    this.answer = answerStatement(db).prepare('record_answer');
    this.end = finishStatement(db).prepare('finish_turn');
  }

  async claimNext(owner: string, leaseMs: number, busyAgentIds: readonly number[] = [], options: { helpers: boolean } = { helpers: true }): Promise<Claim | null> {
    const [row] = await this.claim.execute({ owner, leaseMs, busy: arrayLiteral(busyAgentIds), helpers: options.helpers });
    if (!row) return null;
    const agent = toAgent(row);
    // Held under the lease: no other process touches this agent's turns until it expires.
    const turn =
      row.startedTurnId !== null
        ? { id: row.startedTurnId, agentId: agent.id, requestedBy: row.startedTurnRequestedBy, attempts: 1 }
        : await resumeTurn(this.db, row.unfinishedTurnId!);
    return {
      agent,
      wakeSeq: agent.wakeSeq,
      turn,
      lease: { agentId: agent.id, turnId: turn.id, owner },
      answeredThroughId: row.answeredThroughId,
      unanswered: row.unanswered,
      unsummarisedTokens: row.unsummarisedTokens,
      pendingAttachments: row.pendingAttachments,
      offlineMessageId: row.offlineMessageId,
      answerThroughId: row.answerThroughId ?? undefined,
      answerInput: row.answerInputKind === null ? null : { kind: row.answerInputKind, scheduleId: row.answerScheduleId },
      actsFor: parseTextArray(row.inputsActFor),
    };
  }

  async hasClaimable(busyAgentIds: readonly number[], options: { helpers: boolean }): Promise<boolean> {
    const { expired, queued } = claimable(sql`${arrayLiteral(busyAgentIds)}`, sql`${options.helpers}`);
    const [row] = await executeRows<{ waiting: boolean }>(this.db, sql`select exists (select 1 from agents where ${expired}) or exists (select 1 from agents where ${queued}) as waiting`);
    return row?.waiting === true;
  }

  async renewLease(lease: TurnLease, leaseMs: number): Promise<LeaseState> {
    const [renewed] = await this.db
      .update(agents)
      .set({ leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where(and(eq(agents.id, lease.agentId), eq(agents.leaseOwner, lease.owner), eq(agents.runState, 'running')))
      .returning({
        // Cancelled or timed out (in any process) since this turn started: the turn stops.
        ended: sql<boolean>`${agents.lifecycle} in ('cancelled', 'timed_out') and ${agents.endedAt} >= (select created_at from turns where id = ${lease.turnId})`,
      });
    if (!renewed) return 'lost';
    return renewed.ended ? 'ended' : 'held';
  }

  async releaseLeases(owner: string): Promise<number> {
    const released = await this.db
      .update(agents)
      .set({ leaseExpiresAt: sql`now()` })
      .where(and(eq(agents.leaseOwner, owner), eq(agents.runState, 'running')))
      .returning({ id: agents.id });
    return released.length;
  }

  async expireLeasesOf(isDead: (owner: string) => boolean): Promise<number> {
    const holders = await this.db
      .selectDistinct({ owner: agents.leaseOwner })
      .from(agents)
      .where(and(eq(agents.runState, 'running'), isNotNull(agents.leaseOwner)));
    const dead = holders.map((holder) => holder.owner!).filter(isDead);
    if (dead.length === 0) return 0;
    const freed = await this.db
      .update(agents)
      .set({ leaseExpiresAt: sql`now()` })
      .where(and(eq(agents.runState, 'running'), inArray(agents.leaseOwner, dead)))
      .returning({ id: agents.id });
    return freed.length;
  }

  msToNextLeaseExpiry(owner: string): Promise<number | null> {
    return msUntil(this.db, sql`select min(lease_expires_at) as at from agents where run_state = 'running' and lease_expires_at > now() and lease_owner <> ${owner}`);
  }

  async recordAnswer(lease: TurnLease, answer: ShownAnswer): Promise<void> {
    const stored = await this.answer.execute({
      ...bindLease(lease),
      turnId: lease.turnId,
      shownText: answer.shownText,
      seenThroughId: answer.message.seenThroughId ?? null,
      ...bindMessage('answer_', answer.usage.agent, answer.message),
      ...bindUsage('usage_', answer.usage),
    });
    if (stored.length === 0) throw new LeaseLostError(lease);
  }

  async finish(claim: Claim, outcome: TurnResult): Promise<boolean> {
    const firingMessageId = claim.answerInput?.kind === 'schedule' ? claim.answerThroughId : undefined;
    const values = {
      ...bindLease(claim.lease),
      turnId: claim.turn.id,
      status: outcome.status,
      error: outcome.error ?? null,
      // A firing is answered even when its turn failed (its run records the failure): the next
      // fire time is its retry, and it must not stand in the way of the firings after it.
      seenThroughId: outcome.seenThroughId ?? firingMessageId ?? null,
      setNotice: outcome.noticeMessageId !== undefined,
      noticeMessageId: outcome.noticeMessageId ?? null,
      wakeSeq: claim.wakeSeq,
    };
    const [freed] =
      firingMessageId !== undefined
        ? await this.db.transaction(async (tx) => {
            const [ended] = await finishStatement(tx).execute(values);
            if (!ended) return [];
            const run = { messageId: firingMessageId, turnId: claim.turn.id, status: outcome.skipped ? ('skipped' as const) : outcome.status, error: outcome.skipped ?? outcome.error ?? null };
            await settleRun(tx, run, SCHEDULE_PAUSE_AFTER_FAILURES);
            return [ended];
          })
        : claim.agent.kind === 'helper'
        ? await this.db.transaction(async (tx) => {
            // Ending the helper may update its spawner: locked first, as every ending does.
            await lockSpawnersOf(tx, sql`array[${claim.agent.id}]::bigint[]`);
            const [ended] = await finishStatement(tx).execute(values);
            if (!ended) return [];
            const { queued } = await endHelperTurn(tx, claim, outcome, this.resultMaxTokens);
            // Whatever this turn used counts, even when the helper had ended before it did.
            await refreshTokensUsed(tx, claim.agent.id);
            return [queued ? { status: 'queued' } : ended];
          })
        : await this.end.execute(values);
    if (!freed) {
      // A retry after a connection cut in the middle: the first attempt may have ended the turn.
      const [turn] = await this.db.select({ status: turns.status }).from(turns).where(eq(turns.id, claim.turn.id));
      if (turn && turn.status !== 'running') return false;
      throw new LeaseLostError(claim.lease);
    }
    return freed.status === 'queued';
  }
}

/**
 * The agents a claim takes: those whose lease ran out (a dead process's turns; not those this
 * process still runs, `busy`), then queued ones. Helpers take at most half of a process's slots:
 * when they hold theirs (`helpers` false), only channel agents are claimed.
 */
function claimable(busy: SQLWrapper, helpers: SQLWrapper) {
  const helpersAllowed = sql`(kind = 'channel' or ${helpers}::boolean)`;
  return {
    expired: sql`run_state = 'running' and lease_expires_at < now() and not (id = any(${busy}::bigint[])) and ${helpersAllowed}`,
    queued: sql`run_state = 'queued' and ${helpersAllowed}`,
  };
}

/**
 * Claims the next agent in one statement: the common "nothing to do" poll costs a single round
 * trip (the worker asks `hasClaimable` only then, and only when no other reason to claim came). Expired leases (a dead process's turns) come first, then queued agents, longest waiting
 * first. The same statement starts the agent's turn, unless a dead process left one running
 * (resumed by the caller), and returns what the turn needs to know before it starts.
 */
function claimStatement(db: Database) {
  const { expired, queued } = claimable(sql.placeholder('busy'), sql.placeholder('helpers'));
  // Two probes, each taking the first row of its partial index, so that a claim costs the same
  // however long the backlog (one condition with OR sorted every waiting agent); the second runs
  // only when the first finds nothing. `no key update` is the lock the update takes: a claim
  // does not pass over an agent whose messages are being inserted (they hold a key share).
  const next = db.$with('next', { id: sql<number>`id`.as('id') }).as(
    sql`select coalesce(
          (select id from agents where ${expired} order by lease_expires_at limit 1 for no key update skip locked),
          (select id from agents where ${queued} order by queue_priority, queued_at limit 1 for no key update skip locked)) as id`,
  );
  // On behalf of whom the newest input acts for: its author, or the person behind a tree.
  const started = db.$with('started', { id: sql<number>`id`.as('id') }).as(
    sql`insert into turns (agent_id, guild_id, requested_by)
        select a.id, a.guild_id, coalesce((select coalesce(m.acts_for, m.author_id) from messages m where m.agent_id = a.id and m.role = 'user' order by m.id desc limit 1), a.acts_for)
        from agents a join next on a.id = next.id
        where not exists (select 1 from turns t where t.agent_id = a.id and t.status = 'running')
        returning id, requested_by`,
  );
  // A helper's header shows it running.
  const headerEdit = sideEffect(
    db,
    'header_edit',
    sql`insert into outbox (guild_id, agent_id, kind, channel_id, content, nonce)
        select a.guild_id, a.id, 'header_edit', a.home_channel_id, '', 'e' || gen_random_uuid()::text
        from agents a join next on a.id = next.id
        where a.kind = 'helper' and a.home_channel_id is not null and a.lifecycle in ('active', 'waiting')
        returning id`,
  );
  return db
    .with(next, started, headerEdit)
    .update(agents)
    .set({ runState: 'running', leaseOwner: bound('owner'), leaseExpiresAt: leaseEnd, updatedAt: sql`now()` })
    .where(eq(agents.id, sql`(select id from next)`))
    .returning({
      ...getTableColumns(agents),
      startedTurnId: sql<number | null>`(select id from started)`.mapWith(Number).as('started_turn_id'),
      startedTurnRequestedBy: sql<string | null>`(select requested_by from started)`.as('started_turn_requested_by'),
      unfinishedTurnId,
      answeredThroughId,
      unanswered,
      unsummarisedTokens,
      pendingAttachments,
      offlineMessageId,
      answerThroughId,
      answerInputKind,
      answerScheduleId,
      inputsActFor: actsFor,
    });
}

/** An array literal: both drivers read it the same way. */
function arrayLiteral(ids: readonly number[]): string {
  return `{${ids.join(',')}}`;
}

/** A text[] as either driver returns it (postgres.js: an array; PGlite may give its literal). */
function parseTextArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/gu, '');
  return inner === '' ? [] : inner.split(',').map((item) => item.replace(/^"|"$/gu, ''));
}

/**
 * Stores a shown answer in one statement, fenced by the lease: the answer, its usage, and the
 * shown text with what the turn had seen (so a resumed turn only has to end).
 */
function answerStatement(db: Database) {
  // A retry after a connection cut in the middle stores nothing twice: the first may have committed.
  const notYet = sql`not exists (select 1 from turns where id = ${sql.placeholder('turnId')}::bigint and shown_text is not null)`;
  const answer = sideEffect(db, 'answer', sql`${insertMessageSelect('answer_')} where ${leaseHeld} and ${notYet} returning id`);
  const usageRecord = sideEffect(db, 'usage_record', sql`${insertUsageSelect('usage_')} where ${leaseHeld} and ${notYet} returning id`);
  return db
    .with(answer, usageRecord)
    .update(turns)
    .set({ shownText: bound('shownText'), seenThroughId: bound('seenThroughId') })
    .where(and(eq(turns.id, sql.placeholder('turnId')), leaseHeld))
    .returning({ id: turns.id });
}

/**
 * Ends a turn in one statement (so atomically, and in one round trip): the agent, freed by the
 * process holding its lease (the update re-checks the owner under the row's lock), and the turn's
 * row, ended only when the agent was freed — never by a process whose lease was taken over.
 */
function finishStatement(db: Executor) {
  // Messages accepted during the turn bumped wake_seq, and a turn answers one kind of input at a
  // time (see answerThroughId): queue again while inputs after what it answered wait.
  const wokenDuringTurn = sql`(${agents.wakeSeq} > ${sql.placeholder('wakeSeq')}::bigint
    or exists (select 1 from messages m where m.agent_id = ${agents.id} and m.role = 'user'
      and m.id > greatest(${agents.historyStartId}, coalesce(${sql.placeholder('seenThroughId')}::bigint, 9223372036854775807))))`;
  const freed = db.$with('freed', { runState: sql<string>`run_state`.as('run_state') }).as(
    db
      .update(agents)
      .set({
        runState: sql`case when ${wokenDuringTurn} then 'queued' else 'idle' end`,
        queuedAt: sql`case when ${wokenDuringTurn} then now() else null end`,
        noticeMessageId: sql`case when ${sql.placeholder('setNotice')}::boolean then ${sql.placeholder('noticeMessageId')}::text else ${agents.noticeMessageId} end`,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(agents.id, sql.placeholder('leaseAgentId')), eq(agents.leaseOwner, sql.placeholder('leaseOwner'))))
      .returning({ runState: agents.runState })
      .getSQL(),
  );
  return db
    .with(freed)
    .update(turns)
    .set({
      status: bound('status'),
      error: bound('error'),
      seenThroughId: sql`coalesce(${sql.placeholder('seenThroughId')}::bigint, ${turns.seenThroughId})`,
      finishedAt: sql`now()`,
    })
    .where(and(eq(turns.id, sql.placeholder('turnId')), sql`exists (select 1 from freed)`))
    .returning({ status: sql<string>`(select freed.run_state from freed)` });
}

async function resumeTurn(db: Database, turnId: number): Promise<Turn> {
  const [row] = await db
    .update(turns)
    .set({ attempts: sql`${turns.attempts} + 1` })
    .where(eq(turns.id, turnId))
    .returning();
  const turn: Turn = { id: row!.id, agentId: row!.agentId, requestedBy: row!.requestedBy, attempts: row!.attempts };
  if (row!.shownText !== null) turn.shown = { text: row!.shownText, seenThroughId: row!.seenThroughId };
  return turn;
}
