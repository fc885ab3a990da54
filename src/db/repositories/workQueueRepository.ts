import { type SQLWrapper, and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Claim, TurnResult, WorkQueue } from '../../agents/ports.js';
import type { Agent, Turn } from '../../agents/types.js';
import type { Database, Executor } from '../database.js';
import { agents, messages, turns, usage } from '../schema.js';
import { toAgent } from './mappers.js';
import { messageRow } from './messageRepository.js';
import { usageRow } from './usageRepository.js';

/**
 * The turn queue lives in the agents table. A claim is a lease: `FOR UPDATE SKIP LOCKED` lets
 * any number of processes claim concurrently without ever taking the same agent, and a lease
 * left by a dead process expires so that its turn is run again.
 */
export class WorkQueueRepository implements WorkQueue {
  constructor(private readonly db: Database) {}

  async claimNext(owner: string, leaseMs: number): Promise<Claim | null> {
    // One statement: the common "nothing to do" poll costs a single round trip. Expired leases
    // (a dead process's turns) come first, then queued agents, longest waiting first. It also
    // returns what the turn needs to know before it starts, so that costs no round trips more.
    const next = sql`(select id from agents
                      where status = 'queued' or (status = 'running' and lease_expires_at < now())
                      order by status = 'queued', coalesce(lease_expires_at, queued_at)
                      limit 1 for update skip locked)`;
    const [row] = await this.db
      .update(agents)
      .set({
        status: 'running',
        leaseOwner: owner,
        leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'`,
        updatedAt: sql`now()`,
      })
      .where(eq(agents.id, next))
      .returning({ ...getTableColumns(agents), unfinishedTurnId, answeredThroughId, unanswered, unsummarisedTokens });
    if (!row) return null;
    const agent = toAgent(row);
    // Held under the lease: no other process touches this agent's turns until it expires.
    const turn = row.unfinishedTurnId === null ? await startTurn(this.db, agent) : await resumeTurn(this.db, row.unfinishedTurnId);
    return {
      agent,
      wakeSeq: agent.wakeSeq,
      turn,
      answeredThroughId: row.answeredThroughId,
      unanswered: row.unanswered,
      unsummarisedTokens: row.unsummarisedTokens,
    };
  }

  async renewLease(agentId: number, owner: string, leaseMs: number): Promise<boolean> {
    const renewed = await this.db
      .update(agents)
      .set({ leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where(and(eq(agents.id, agentId), eq(agents.leaseOwner, owner), eq(agents.status, 'running')))
      .returning({ id: agents.id });
    return renewed.length > 0;
  }

  async releaseLeases(owner: string): Promise<number> {
    const released = await this.db
      .update(agents)
      .set({ leaseExpiresAt: sql`now()` })
      .where(and(eq(agents.leaseOwner, owner), eq(agents.status, 'running')))
      .returning({ id: agents.id });
    return released.length;
  }

  async finish(claim: Claim, owner: string, outcome: TurnResult): Promise<boolean> {
    // One statement (so atomic, and one round trip): its parts run as data-modifying CTEs.
    const parts = [
      sideEffect(
        this.db,
        'finished_turn',
        this.db
          .update(turns)
          .set({ status: outcome.status, error: outcome.error ?? null, seenThroughId: outcome.seenThroughId ?? null, finishedAt: sql`now()` })
          .where(eq(turns.id, claim.turn.id))
          .returning({ id: turns.id }),
      ),
    ];
    if (outcome.answer) {
      const { message, usage: used } = outcome.answer;
      parts.push(
        sideEffect(this.db, 'answer', this.db.insert(messages).values(messageRow(claim.agent, message)).returning({ id: messages.id })),
        sideEffect(this.db, 'usage_record', this.db.insert(usage).values(usageRow(used)).returning({ id: usage.id })),
      );
    }
    // Messages accepted during the turn bumped wake_seq: queue again so they get answered.
    const [freed] = await this.db
      .with(...parts)
      .update(agents)
      .set({
        status: sql`case when ${agents.wakeSeq} > ${claim.wakeSeq} then 'queued' else 'idle' end`,
        queuedAt: sql`case when ${agents.wakeSeq} > ${claim.wakeSeq} then now() else null end`,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(agents.id, claim.agent.id), eq(agents.leaseOwner, owner)))
      .returning({ status: agents.status });
    return freed?.status === 'queued';
  }
}

/** A statement run for its effect as a CTE of another (Postgres runs every data-modifying CTE). */
function sideEffect(db: Database, name: string, statement: SQLWrapper) {
  return db.$with(name, { id: sql<number>`id`.as('id') }).as(statement.getSQL());
}

/*
 * What the claim returns besides the agent. Written as plain SQL: in RETURNING, drizzle drops
 * the table from column names, which would make `agent_id = id` compare a table with itself.
 */

/** The turn a dead process left running, if any: it is resumed (same id, so its posts are found again). */
const unfinishedTurnId = sql<number | null>`(select t.id from turns t
    where t.agent_id = agents.id and t.status = 'running' order by t.id desc limit 1)`.as('unfinished_turn_id');

/** The newest message the last completed turn saw: everything after it is still unanswered. */
const answeredThrough = sql`coalesce((select t.seen_through_id from turns t
    where t.agent_id = agents.id and t.status = 'done' and t.seen_through_id is not null
    order by t.id desc limit 1), 0)`;

const answeredThroughId = sql<number>`${answeredThrough}`.mapWith(Number).as('answered_through_id');

/** A turn queued by a message its predecessor already answered has nothing to do. */
const unanswered = sql<boolean>`exists (select 1 from messages m
    where m.agent_id = agents.id and m.role = 'user' and m.id > greatest(agents.history_start_id, ${answeredThrough}))`.as('unanswered');

/** The tokens of the history the rolling summary does not cover yet. */
const unsummarisedTokens = sql<number>`(select coalesce(sum(m.token_count), 0) from messages m
    where m.agent_id = agents.id and m.id > greatest(agents.history_start_id, agents.summary_through_id))`
  .mapWith(Number)
  .as('unsummarised_tokens');

async function resumeTurn(executor: Executor, turnId: number): Promise<Turn> {
  const [row] = await executor
    .update(turns)
    .set({ attempts: sql`${turns.attempts} + 1` })
    .where(eq(turns.id, turnId))
    .returning();
  return { id: row!.id, agentId: row!.agentId, requestedBy: row!.requestedBy, attempts: row!.attempts };
}

/** A new turn, on behalf of the author of the newest user message. */
async function startTurn(executor: Executor, agent: Agent): Promise<Turn> {
  const requestedBy = sql`(select ${messages.authorId} from ${messages}
      where ${messages.agentId} = ${agent.id} and ${messages.role} = 'user' order by ${messages.id} desc limit 1)`;
  const [row] = await executor.insert(turns).values({ agentId: agent.id, guildId: agent.guildId, requestedBy }).returning();
  return { id: row!.id, agentId: row!.agentId, requestedBy: row!.requestedBy, attempts: row!.attempts };
}
