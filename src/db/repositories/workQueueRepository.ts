import { type SQLWrapper, and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Claim, TurnResult, WorkQueue } from '../../agents/ports.js';
import type { Turn } from '../../agents/types.js';
import type { Database } from '../database.js';
import { agents, messages, turns, usage } from '../schema.js';
import { bound } from './boundValues.js';
import { answeredThroughId, leaseEnd, unanswered, unfinishedTurnId, unsummarisedTokens } from './claimColumns.js';
import { toAgent } from './mappers.js';
import { bindMessage, messagePlaceholders } from './messageRepository.js';
import { bindUsage, usagePlaceholders } from './usageRepository.js';

/**
 * The turn queue lives in the agents table. A claim is a lease: `FOR UPDATE SKIP LOCKED` lets
 * any number of processes claim concurrently without ever taking the same agent, and a lease
 * left by a dead process expires so that its turn is run again.
 */
export class WorkQueueRepository implements WorkQueue {
  private readonly claim;
  private readonly finishWithAnswer;
  private readonly finishWithout;

  constructor(private readonly db: Database) {
    this.claim = claimStatement(db).prepare('claim_next');
    this.finishWithAnswer = finishStatement(db, true).prepare('finish_turn_with_answer');
    this.finishWithout = finishStatement(db, false).prepare('finish_turn');
  }

  async claimNext(owner: string, leaseMs: number): Promise<Claim | null> {
    const [row] = await this.claim.execute({ owner, leaseMs });
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
    const ending = {
      turnId: claim.turn.id,
      status: outcome.status,
      error: outcome.error ?? null,
      seenThroughId: outcome.seenThroughId ?? null,
      agentId: claim.agent.id,
      wakeSeq: claim.wakeSeq,
      owner,
    };
    const [freed] = outcome.answer
      ? await this.finishWithAnswer.execute({
          ...ending,
          ...bindMessage('answer_', claim.agent, outcome.answer.message),
          ...bindUsage('usage_', outcome.answer.usage),
        })
      : await this.finishWithout.execute(ending);
    return freed?.status === 'queued';
  }
}

/**
 * Claims the next agent in one statement: the common "nothing to do" poll costs a single round
 * trip. Expired leases (a dead process's turns) come first, then queued agents, longest waiting
 * first. The same statement starts the agent's turn, unless a dead process left one running
 * (resumed by the caller), and returns what the turn needs to know before it starts.
 */
function claimStatement(db: Database) {
  // Two probes, each taking the first row of its partial index, so that a claim costs the same
  // however long the backlog (one condition with OR sorted every waiting agent); the second runs
  // only when the first finds nothing.
  const next = db.$with('next', { id: sql<number>`id`.as('id') }).as(
    sql`select coalesce(
          (select id from agents where status = 'running' and lease_expires_at < now()
           order by lease_expires_at limit 1 for update skip locked),
          (select id from agents where status = 'queued'
           order by queued_at limit 1 for update skip locked)) as id`,
  );
  // On behalf of the author of the newest user message.
  const started = db.$with('started', { id: sql<number>`id`.as('id') }).as(
    sql`insert into turns (agent_id, guild_id, requested_by)
        select a.id, a.guild_id, (select m.author_id from messages m where m.agent_id = a.id and m.role = 'user' order by m.id desc limit 1)
        from agents a join next on a.id = next.id
        where not exists (select 1 from turns t where t.agent_id = a.id and t.status = 'running')
        returning id, requested_by`,
  );
  return db
    .with(next, started)
    .update(agents)
    .set({ status: 'running', leaseOwner: bound('owner'), leaseExpiresAt: leaseEnd, updatedAt: sql`now()` })
    .where(eq(agents.id, sql`(select id from next)`))
    .returning({
      ...getTableColumns(agents),
      startedTurnId: sql<number | null>`(select id from started)`.mapWith(Number).as('started_turn_id'),
      startedTurnRequestedBy: sql<string | null>`(select requested_by from started)`.as('started_turn_requested_by'),
      unfinishedTurnId,
      answeredThroughId,
      unanswered,
      unsummarisedTokens,
    });
}

/**
 * Ends a turn in one statement (so atomically, and in one round trip), its parts run as
 * data-modifying CTEs: the turn's row, with the answer and its usage when there is one, and
 * the agent, freed by the process holding its lease.
 */
function finishStatement(db: Database, withAnswer: boolean) {
  const parts = [
    sideEffect(
      db,
      'finished_turn',
      db
        .update(turns)
        .set({
          status: bound('status'),
          error: bound('error'),
          seenThroughId: bound('seenThroughId'),
          finishedAt: sql`now()`,
        })
        .where(eq(turns.id, sql.placeholder('turnId')))
        .returning({ id: turns.id }),
    ),
  ];
  if (withAnswer) {
    parts.push(
      sideEffect(db, 'answer', db.insert(messages).values(messagePlaceholders('answer_')).returning({ id: messages.id })),
      sideEffect(db, 'usage_record', db.insert(usage).values(usagePlaceholders('usage_')).returning({ id: usage.id })),
    );
  }
  // Messages accepted during the turn bumped wake_seq: queue again so they get answered.
  const wokenDuringTurn = sql`${agents.wakeSeq} > ${sql.placeholder('wakeSeq')}::bigint`;
  return db
    .with(...parts)
    .update(agents)
    .set({
      status: sql`case when ${wokenDuringTurn} then 'queued' else 'idle' end`,
      queuedAt: sql`case when ${wokenDuringTurn} then now() else null end`,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(agents.id, sql.placeholder('agentId')), eq(agents.leaseOwner, sql.placeholder('owner'))))
    .returning({ status: agents.status });
}

/** A statement run for its effect as a CTE of another (Postgres runs every data-modifying CTE). */
function sideEffect(db: Database, name: string, statement: SQLWrapper) {
  return db.$with(name, { id: sql<number>`id`.as('id') }).as(statement.getSQL());
}

async function resumeTurn(db: Database, turnId: number): Promise<Turn> {
  const [row] = await db
    .update(turns)
    .set({ attempts: sql`${turns.attempts} + 1` })
    .where(eq(turns.id, turnId))
    .returning();
  return { id: row!.id, agentId: row!.agentId, requestedBy: row!.requestedBy, attempts: row!.attempts };
}

