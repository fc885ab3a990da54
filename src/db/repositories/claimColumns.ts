import { type SQL, sql } from 'drizzle-orm';
import type { InputKind, TurnLease } from '../../agents/types.js';

/*
 * What a claim returns besides the agent, for the statements that claim one (the queue's, and
 * accepting a message for an idle agent). Written as plain SQL: in RETURNING, drizzle drops the
 * table from column names, which would make `agent_id = id` compare a table with itself.
 */

/** When a lease taken now for `leaseMs` (a placeholder) runs out. */
export const leaseEnd = sql`now() + ${sql.placeholder('leaseMs')}::int * interval '1 millisecond'`;

/**
 * The turn a dead process left running, if any: it is resumed (same id, so its posts are found
 * again). The statement's own insert is invisible here: it is read before it.
 */
export const unfinishedTurnId = sql<number | null>`(select t.id from turns t
    where t.agent_id = agents.id and t.status = 'running' order by t.id desc limit 1)`.as('unfinished_turn_id');

/**
 * The newest message the last completed turn saw: everything after it is still unanswered. A
 * failed turn counts only when it recorded what it saw (a firing's: its run records the failure);
 * a failed chat turn records nothing, so its messages wait for a Retry.
 */
const answeredThrough = sql`coalesce((select t.seen_through_id from turns t
    where t.agent_id = agents.id and t.status <> 'running' and t.seen_through_id is not null
    order by t.id desc limit 1), 0)`;

export const answeredThroughId = sql<number>`${answeredThrough}`.mapWith(Number).as('answered_through_id');

/** A turn queued by a message its predecessor already answered has nothing to do. */
export const unanswered = sql<boolean>`exists (select 1 from messages m
    where m.agent_id = agents.id and m.role = 'user' and m.id > greatest(agents.history_start_id, ${answeredThrough}))`.as('unanswered');

/** An unanswered message with a text file not read yet (see AttachmentReader). */
export const pendingAttachments = sql<boolean>`exists (select 1 from messages m
    where m.agent_id = agents.id and m.role = 'user' and m.id > greatest(agents.history_start_id, ${answeredThrough})
      and m.attachments @> '[{"pending": true}]')`.as('pending_attachments');

/**
 * The newest unanswered message that was sent while no bot process was connected (taken by the
 * catch-up): the answer replies to it, so that its author sees which message it answers.
 */
export const offlineMessageId = sql<string | null>`(select m.discord_message_id from messages m
    where m.agent_id = agents.id and m.role = 'user' and m.sent_while_offline
      and m.id > greatest(agents.history_start_id, ${answeredThrough})
    order by m.id desc limit 1)`.as('offline_message_id');

/** A column (or columns) of the oldest input not answered yet. */
const firstPendingInput = (column: SQL) => sql`(select ${column} from messages m
    where m.agent_id = agents.id and m.role = 'user' and m.id > greatest(agents.history_start_id, ${answeredThrough}) order by m.id limit 1)`;
const firstPending = firstPendingInput(sql`m.id, m.input_kind = 'chat' as person`);

/**
 * The inputs this turn answers: a run of people's messages, or one helper result or task on its
 * own (fed to a turn of its own, so it never acts with the rights of people who spoke meanwhile).
 * The newest of them (null when nothing waits); later inputs are left for the next turn.
 */
const firstMachineInput = sql`(select min(m.id) from messages m
    where m.agent_id = agents.id and m.role = 'user' and m.input_kind <> 'chat' and m.id > greatest(agents.history_start_id, ${answeredThrough}))`;
const answerThrough = sql`(select case when f.person
      then (select max(m.id) from messages m where m.agent_id = agents.id and m.role = 'user'
              and m.id > greatest(agents.history_start_id, ${answeredThrough}) and m.id < coalesce(${firstMachineInput}, 9223372036854775807))
      else f.id end
    from ${firstPending} f)`;

export const answerThroughId = sql<number | null>`${answerThrough}`.mapWith((value) => (value === null ? null : Number(value))).as('answer_through_id');

/**
 * What the inputs the turn answers are, and the schedule behind them (a firing, or the results of
 * the helper it spawned): those of the first pending input, since a turn answers either a run of
 * people's messages (kind `chat`, no schedule) or one machine input on its own.
 */
export const answerInputKind = sql<InputKind | null>`${firstPendingInput(sql`m.input_kind`)}`.as('answer_input_kind');
export const answerScheduleId = sql<number | null>`${firstPendingInput(sql`m.schedule_id`)}`
  .mapWith((value) => (value === null ? null : Number(value)))
  .as('answer_schedule_id');

/** Everyone whose input the turn answers: a permission-gated tool needs every one of them to hold it. */
export const actsFor = sql<string[]>`(select coalesce(array_agg(distinct coalesce(m.acts_for, m.author_id)) filter (where coalesce(m.acts_for, m.author_id) is not null), '{}')
    from messages m where m.agent_id = agents.id and m.role = 'user'
      and m.id > greatest(agents.history_start_id, ${answeredThrough}) and m.id <= ${answerThrough})`.as('acts_for_all');

/** The tokens of the history the rolling summary does not cover yet. */
export const unsummarisedTokens = sql<number>`(select coalesce(sum(m.token_count), 0) from messages m
    where m.agent_id = agents.id and m.id > greatest(agents.history_start_id, agents.summary_through_id))`
  .mapWith(Number)
  .as('unsummarised_tokens');

function heldBy(agentId: unknown, owner: unknown) {
  return sql`exists (select 1 from agents where id = ${agentId}::bigint and lease_owner = ${owner}::text for share)`;
}

/**
 * The fence of every write of a turn: its lease is still held by the writer. The row lock
 * (`for share`) makes a concurrent claim skip the agent, and a write that waited on a claim
 * re-reads the row and sees the new owner.
 */
export const leaseHeld = heldBy(sql.placeholder('leaseAgentId'), sql.placeholder('leaseOwner'));

/** `leaseHeld` with the lease's values in place, for statements that are not prepared. */
export function leaseHeldBy(lease: TurnLease) {
  return heldBy(lease.agentId, lease.owner);
}

/** Binds a turn's lease to `leaseHeld`. */
export function bindLease(lease: TurnLease): { leaseAgentId: number; leaseOwner: string } {
  return { leaseAgentId: lease.agentId, leaseOwner: lease.owner };
}
