import { and, desc, eq, sql } from 'drizzle-orm';
import type { Claim, TurnResult, WorkQueue } from '../../agents/ports.js';
import type { Agent } from '../../agents/types.js';
import type { Database, Executor } from '../database.js';
import { executeRows } from '../database.js';
import { agents, messages, turns } from '../schema.js';
import { toAgent } from './mappers.js';

/**
 * The turn queue lives in the agents table. A claim is a lease: `FOR UPDATE SKIP LOCKED` lets
 * any number of processes claim concurrently without ever taking the same agent, and a lease
 * left by a dead process expires so that its turn is run again.
 */
export class WorkQueueRepository implements WorkQueue {
  constructor(private readonly db: Database) {}

  async claimNext(owner: string, leaseMs: number): Promise<Claim | null> {
    // One statement: the common "nothing to do" poll costs a single round trip. Expired leases
    // (a dead process's turns) come first, then queued agents, longest waiting first.
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
      .returning();
    if (!row) return null;
    const agent = toAgent(row);
    // Held under the lease: no other process touches this agent's turns until it expires.
    return { agent, wakeSeq: agent.wakeSeq, turn: await resumeOrStartTurn(this.db, agent.id, agent.guildId) };
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

  async hasUnansweredMessages(agent: Agent): Promise<boolean> {
    const [row] = await executeRows<{ waiting: boolean }>(
      this.db,
      sql`select exists (
            select 1 from messages
            where agent_id = ${agent.id} and role = 'user' and id > ${agent.historyStartId}
              and id > coalesce((select seen_through_id from turns
                                 where agent_id = ${agent.id} and status = 'done' and seen_through_id is not null
                                 order by id desc limit 1), 0)
          ) as waiting`,
    );
    return row?.waiting === true;
  }

  async finish(claim: Claim, owner: string, outcome: TurnResult): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .update(turns)
        .set({ status: outcome.status, error: outcome.error ?? null, seenThroughId: outcome.seenThroughId ?? null, finishedAt: sql`now()` })
        .where(eq(turns.id, claim.turn.id));
      // Messages accepted during the turn bumped wake_seq: queue again so they get answered.
      await tx
        .update(agents)
        .set({
          status: sql`case when ${agents.wakeSeq} > ${claim.wakeSeq} then 'queued' else 'idle' end`,
          queuedAt: sql`case when ${agents.wakeSeq} > ${claim.wakeSeq} then now() else null end`,
          leaseOwner: null,
          leaseExpiresAt: null,
          updatedAt: sql`now()`,
        })
        .where(and(eq(agents.id, claim.agent.id), eq(agents.leaseOwner, owner)));
    });
  }
}

/** A turn left running by a dead process is resumed (same id, so its posts are found again). */
async function resumeOrStartTurn(executor: Executor, agentId: number, guildId: string | null) {
  const [unfinished] = await executor
    .update(turns)
    .set({ attempts: sql`${turns.attempts} + 1` })
    .where(and(eq(turns.agentId, agentId), eq(turns.status, 'running')))
    .returning();
  if (unfinished) {
    return { id: unfinished.id, agentId, requestedBy: unfinished.requestedBy, attempts: unfinished.attempts };
  }
  const [lastUserMessage] = await executor
    .select({ authorId: messages.authorId })
    .from(messages)
    .where(and(eq(messages.agentId, agentId), eq(messages.role, 'user')))
    .orderBy(desc(messages.id))
    .limit(1);
  const [created] = await executor
    .insert(turns)
    .values({ agentId, guildId, requestedBy: lastUserMessage?.authorId ?? null })
    .returning();
  return { id: created!.id, agentId, requestedBy: created!.requestedBy, attempts: created!.attempts };
}
