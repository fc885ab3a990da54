import { type SQL, and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { AgentStore, Claim, LeaseRequest, ReleasedMessage } from '../../agents/ports.js';
import type { Agent, ChannelRef, NewMessage, Persona, ReplyMode } from '../../agents/types.js';
import { storableText } from '../../agents/text.js';
import { type Database, type Executor, executeRows, msUntil } from '../database.js';
import { type RunState, agents, deferredMessages, memories, messages } from '../schema.js';
import { answeredThroughId, leaseEnd, offlineMessageId, pendingAttachments, unsummarisedTokens } from './claimColumns.js';
import { toAgent } from './mappers.js';
import { bindMessage, insertMessageFromRecord, insertMessageSelect, messageAsColumns } from './messageRepository.js';

/** Channel agents: creation on first use, queueing, persona, mode and reset. */
export class AgentRepository implements AgentStore {
  private readonly byChannel;
  private readonly accept;

  constructor(private readonly db: Database) {
    this.byChannel = db.select().from(agents).where(eq(agents.channelId, sql.placeholder('channelId'))).prepare('agent_by_channel');
    this.accept = acceptStatement(db).prepare('accept_message');
  }

  async acceptIfListening(
    channelId: string,
    message: NewMessage,
    claimFor?: LeaseRequest,
    userTurnsPerMinute = 0,
  ): Promise<{ agent: Agent; claim: Claim | null } | null> {
    const [row] = await this.accept.execute({
      channelId,
      userTurnsPerMinute,
      ...bindMessage('', null, message),
      claim: claimFor !== undefined,
      owner: claimFor?.owner ?? null,
      leaseMs: claimFor?.leaseMs ?? 0,
    });
    if (!row) return null;
    const agent = toAgent(row);
    if (row.startedTurnId === null) return { agent, claim: null };
    const turn = { id: row.startedTurnId, agentId: agent.id, requestedBy: message.authorId ?? null, attempts: 1 };
    const lease = { agentId: agent.id, turnId: turn.id, owner: claimFor!.owner };
    // Read before the statement's own insert: the new message is unanswered, and its tokens unsummarised.
    const claim = {
      agent,
      wakeSeq: agent.wakeSeq,
      turn,
      lease,
      answeredThroughId: row.answeredThroughId,
      unanswered: true,
      unsummarisedTokens: row.unsummarisedTokens + message.tokenCount,
      pendingAttachments: row.pendingAttachments || (message.attachments ?? []).some((attachment) => attachment.pending),
      offlineMessageId: message.sentWhileOffline ? (message.discordMessageId ?? null) : row.offlineMessageId,
      // An agent at rest has nothing else waiting: the turn answers this message, for its author.
      actsFor: message.authorId ? [message.authorId] : [],
      answerInput: { kind: 'chat' as const, scheduleId: null },
    };
    return { agent, claim };
  }

  async deferIfLimited(channelId: string, message: NewMessage, userTurnsPerMinute: number): Promise<Date | null> {
    const [row] = await executeRows<{ deferred_until: string | Date }>(
      this.db,
      sql`with recent as (${recentOfAuthor(sql`${message.authorId ?? null}::text`)})
          insert into ${deferredMessages} (agent_id, guild_id, channel_id, discord_message_id, message, deferred_until)
          select a.id, a.guild_id, a.channel_id, ${message.discordMessageId ?? null}, ${JSON.stringify(messageAsColumns(message))}::jsonb,
                 recent.oldest + interval '60 seconds'
          from agents a, recent
          where a.channel_id = ${channelId} and a.reply_mode <> 'off' and ${userTurnsPerMinute}::int > 0 and recent.count >= ${userTurnsPerMinute}::int
            and not exists (select 1 from messages m where m.discord_message_id = ${message.discordMessageId ?? null})
          on conflict (discord_message_id) do nothing
          returning deferred_until`,
    );
    return row ? new Date(row.deferred_until) : null;
  }

  async releaseDue(limit: number): Promise<ReleasedMessage[]> {
    const rows = await executeRows<{ agent_id: number | string; channel_id: string; discord_message_id: string; queued: boolean }>(
      this.db,
      sql`with due as (
            delete from ${deferredMessages} where id in (
              select id from ${deferredMessages} where deferred_until <= now() order by deferred_until limit ${limit} for update skip locked)
            returning agent_id, guild_id, channel_id, discord_message_id, message),
          released as (
            ${insertMessageFromRecord('r', sql`d.agent_id`, sql`d.guild_id`)}
            from due d, jsonb_populate_record(null::messages, d.message) r
            order by d.discord_message_id::numeric
            on conflict (discord_message_id) do nothing
            returning agent_id),
          woken as (
            update ${agents} set ${wakeAssignments}
            where id in (select agent_id from released)
            returning id, run_state)
          select d.agent_id, d.channel_id, d.discord_message_id, coalesce((select w.run_state = 'queued' from woken w where w.id = d.agent_id), false) as queued
          from due d`,
    );
    return rows.map((row) => ({ agentId: Number(row.agent_id), channelId: row.channel_id, discordMessageId: row.discord_message_id, queued: row.queued }));
  }

  msToNextRelease(): Promise<number | null> {
    return msUntil(this.db, sql`select min(deferred_until) as at from ${deferredMessages}`);
  }

  async markCapNotice(agentId: number, day: string): Promise<boolean> {
    const marked = await this.db
      .update(agents)
      .set({ capNoticeDay: day })
      .where(and(eq(agents.id, agentId), sql`${agents.capNoticeDay} is distinct from ${day}::date`))
      .returning({ id: agents.id });
    return marked.length > 0;
  }

  async findByChannel(channelId: string): Promise<Agent | null> {
    const [row] = await this.byChannel.execute({ channelId });
    return row ? toAgent(row) : null;
  }

  async getById(agentId: number): Promise<Agent | null> {
    const [row] = await this.db.select().from(agents).where(eq(agents.id, agentId));
    return row ? toAgent(row) : null;
  }

  getOrCreateChannelAgent(where: ChannelRef, persona: Persona): Promise<Agent> {
    return this.db.transaction((tx) => getOrCreate(tx, where, persona));
  }

  async enqueue(agentId: number): Promise<void> {
    await wake(this.db, agentId);
  }

  async setReplyMode(agentId: number, mode: ReplyMode): Promise<void> {
    await this.db.update(agents).set({ replyMode: mode, updatedAt: sql`now()` }).where(eq(agents.id, agentId));
  }

  async setPersona(agentId: number, persona: Persona): Promise<void> {
    const storable = { ...persona, name: storableText(persona.name), instructions: storableText(persona.instructions) };
    await this.db.update(agents).set({ persona: storable, updatedAt: sql`now()` }).where(eq(agents.id, agentId));
  }

  async resetConversation(agentId: number, options: { dropFacts: boolean; wipe: boolean }): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (options.wipe) {
        await tx.delete(messages).where(eq(messages.agentId, agentId));
      }
      if (options.wipe || options.dropFacts) {
        await tx.delete(memories).where(eq(memories.agentId, agentId));
      }
      const [newest] = await tx
        .select({ id: sql<number>`coalesce(max(${messages.id}), 0)`.mapWith(Number) })
        .from(messages)
        .where(eq(messages.agentId, agentId));
      // After a wipe there are no messages left, so this is 0: the conversation starts from nothing.
      const startId = newest?.id ?? 0;
      await tx
        .update(agents)
        .set({ historyStartId: startId, summary: null, summaryThroughId: startId, updatedAt: sql`now()` })
        .where(eq(agents.id, agentId));
    });
  }
}

async function getOrCreate(executor: Executor, where: ChannelRef, persona: Persona): Promise<Agent> {
  await executor
    .insert(agents)
    .values({ guildId: where.guildId, kind: 'channel', channelId: where.channelId, persona })
    .onConflictDoNothing({ target: agents.channelId });
  const [row] = await executor.select().from(agents).where(eq(agents.channelId, where.channelId));
  if (!row) throw new Error(`agent for channel ${where.channelId} vanished right after creation`);
  return toAgent(row);
}

/**
 * Stores a message and queues the channel's agent, in one statement (so atomic without a
 * transaction), unless the channel has no agent yet or its agent is switched off (then it
 * returns nothing). The message takes its agent and guild from the agent's row. The unique
 * Discord message id is what makes two processes receiving the same event store it once: the
 * loser's insert does nothing and its update, which needs the inserted row, queues nothing.
 * With `claim` set and the agent at rest, the agent is claimed for `owner` instead of queued,
 * and its turn started.
 */
function acceptStatement(db: Database) {
  const value = (name: string, type = 'text') => sql`${sql.placeholder(name)}::${sql.raw(type)}`;
  const inserted = db.$with('inserted', { agentId: sql<number>`agent_id`.as('agent_id') }).as(
    sql`${insertMessageSelect('', { agentId: sql`a.id`, guildId: sql`a.guild_id` })}
        from agents a where a.channel_id = ${sql.placeholder('channelId')} and a.reply_mode <> 'off'
          and not ${authorOverLimit}
        on conflict (discord_message_id) do nothing
        returning agent_id`,
  );
  const started = db.$with('started', { id: sql<number>`id`.as('id') }).as(
    sql`insert into turns (agent_id, guild_id, requested_by)
        select a.id, a.guild_id, ${value('authorId')} from agents a join inserted i on a.id = i.agent_id
        where ${value('claim', 'boolean')} and a.run_state = 'idle'
          and not exists (select 1 from turns t where t.agent_id = a.id and t.status = 'running')
        returning id`,
  );
  const claimed = sql`exists (select 1 from started)`;
  return db
    .with(inserted, started)
    .update(agents)
    .set({
      ...wakeChanges,
      runState: sql`case when ${claimed} then 'running' else ${wakeChanges.runState} end`,
      leaseOwner: sql`case when ${claimed} then ${value('owner')} else ${agents.leaseOwner} end`,
      leaseExpiresAt: sql`case when ${claimed} then ${leaseEnd} else ${agents.leaseExpiresAt} end`,
    })
    .where(eq(agents.id, sql`(select agent_id from inserted)`))
    .returning({
      ...getTableColumns(agents),
      startedTurnId: sql<number | null>`(select id from started)`.mapWith(Number).as('started_turn_id'),
      answeredThroughId,
      unsummarisedTokens,
      pendingAttachments,
      offlineMessageId,
    });
}

/** The author's messages of the last minute: how many, and when the oldest came (when one more is allowed). */
function recentOfAuthor(authorId: SQL) {
  return sql`select count(*)::int as count, min(created_at) as oldest from messages
             where author_id = ${authorId} and role = 'user' and created_at > now() - interval '60 seconds'`;
}

/** Whether the message's author is past USER_TURNS_PER_MINUTE (a placeholder; 0 means no limit). */
const authorOverLimit = sql`(${sql.placeholder('userTurnsPerMinute')}::int > 0
    and (select count from (${recentOfAuthor(sql`${sql.placeholder('authorId')}::text`)}) recent) >= ${sql.placeholder('userTurnsPerMinute')}::int)`;

/** Whose input wakes an agent: a person's is claimed before helper results and tasks (fairness). */
export type WakePriority = 'person' | 'machine';

/**
 * Bumps the wake sequence and queues the agent when it is at rest. A running agent keeps
 * running: its turn sees the bumped sequence when it finishes and queues itself again.
 */
export function wakeChangesFor(priority: WakePriority) {
  return {
    wakeSeq: sql`${agents.wakeSeq} + 1`,
    runState: sql<RunState>`case when ${agents.runState} = 'idle' then 'queued' else ${agents.runState} end`,
    queuedAt: sql`case when ${agents.runState} = 'queued' then ${agents.queuedAt} else now() end`,
    queuePriority: priority === 'person' ? sql`0` : sql`case when ${agents.runState} = 'idle' then 1 else ${agents.queuePriority} end`,
    updatedAt: sql`now()`,
  };
}

const wakeChanges = wakeChangesFor('person');

/** `wakeChanges` as the SET list of a statement written in SQL. */
const wakeAssignments = sql.join(
  Object.entries(wakeChanges).map(([key, value]) => sql`${sql.identifier(getTableColumns(agents)[key as keyof typeof wakeChanges].name)} = ${value}`),
  sql`, `,
);

export async function wake(executor: Executor, agentId: number, priority: WakePriority = 'person'): Promise<Agent> {
  const [row] = await executor.update(agents).set(wakeChangesFor(priority)).where(eq(agents.id, agentId)).returning();
  if (!row) throw new Error(`cannot queue agent ${agentId}: it does not exist`);
  return toAgent(row);
}
