import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { AttachmentInfo } from '../agents/types.js';

/**
 * The durable state of every agent. Only PostgreSQL 15 features: PGlite runs 18, the server 15,
 * and both apply the same migrations. Every table that holds guild data carries `guild_id`
 * (null for DMs) so that every query can be scoped to one guild.
 */

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const id = (name: string) => bigint(name, { mode: 'number' });
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A persona as a snapshot: what an agent is, frozen when it was created or last changed. */
export interface PersonaSnapshot {
  name: string;
  instructions: string;
  model: string;
  temperature: number | null;
  /** Tool names this persona may use; null means every tool. */
  tools: string[] | null;
}

/** Per-guild settings; a guild without a row uses the global defaults. */
export const guildSettings = pgTable('guild_settings', {
  guildId: text('guild_id').primaryKey(),
  defaultPersona: jsonb('default_persona').$type<PersonaSnapshot>(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The library of named helper personas: built-ins have no guild, a guild may add its own. */
export const personas = pgTable(
  'personas',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: text('guild_id'),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    instructions: text('instructions').notNull(),
    model: text('model'),
    temperature: real('temperature'),
    tools: jsonb('tools').$type<string[]>(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (table) => [unique('personas_guild_name_key').on(table.guildId, table.name).nullsNotDistinct()],
);

export type AgentStatus = 'idle' | 'queued' | 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';
export type ReplyMode = 'mention' | 'all' | 'off';

/** One row per agent: a channel's persona agent or a helper working in its own thread. */
export const agents = pgTable(
  'agents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: text('guild_id'),
    kind: text('kind').$type<'channel' | 'helper'>().notNull(),
    /** The Discord channel or thread the agent talks in; unique, so a channel has one agent. */
    channelId: text('channel_id'),
    parentId: id('parent_id').references((): AnyPgColumn => agents.id, { onDelete: 'cascade' }),
    rootId: id('root_id'),
    depth: integer('depth').notNull().default(0),
    task: text('task'),
    status: text('status').$type<AgentStatus>().notNull().default('idle'),
    result: text('result'),
    persona: jsonb('persona').$type<PersonaSnapshot>().notNull(),
    replyMode: text('reply_mode').$type<ReplyMode>().notNull().default('mention'),
    tokenBudget: integer('token_budget'),
    tokensUsed: bigint('tokens_used', { mode: 'number' }).notNull().default(0),
    /** Bumped by every enqueue; a finishing turn requeues when it moved, so nothing is missed. */
    wakeSeq: bigint('wake_seq', { mode: 'number' }).notNull().default(0),
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    /** Messages at or below this id belong to an earlier conversation (after /reset). */
    historyStartId: id('history_start_id').notNull().default(0),
    /** Rolling summary of the history up to and including `summaryThroughId`. */
    summary: text('summary'),
    summaryThroughId: id('summary_through_id').notNull().default(0),
    /** The message showing this agent's last failure notice: the next turn that answers takes it over. */
    noticeMessageId: text('notice_message_id'),
    /** While a process catches this channel up after a fresh connection, others leave it alone. */
    catchUpUntil: timestamp('catch_up_until', { withTimezone: true }),
    /** The UTC day this channel was last told that its guild's daily token cap is reached. */
    capNoticeDay: date('cap_notice_day', { mode: 'string' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('agents_channel_id_key').on(table.channelId),
    index('agents_queue_idx').on(table.queuedAt).where(sql`${table.status} = 'queued'`),
    index('agents_lease_idx').on(table.leaseExpiresAt).where(sql`${table.status} = 'running'`),
    index('agents_guild_idx').on(table.guildId),
    index('agents_parent_idx').on(table.parentId),
  ],
);

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

export interface StoredToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** An agent's conversation. Raw rows are kept forever; summaries only shorten the prompt. */
export const messages = pgTable(
  'messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    agentId: id('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    guildId: text('guild_id'),
    role: text('role').$type<MessageRole>().notNull(),
    content: text('content').notNull().default(''),
    authorId: text('author_id'),
    authorName: text('author_name'),
    discordMessageId: text('discord_message_id'),
    replyToText: text('reply_to_text'),
    attachments: jsonb('attachments').$type<AttachmentInfo[]>(),
    toolCalls: jsonb('tool_calls').$type<StoredToolCall[]>(),
    toolCallId: text('tool_call_id'),
    toolName: text('tool_name'),
    turnId: id('turn_id'),
    /** For a turn's own messages: the newest message the turn had seen (see ContextBuilder). */
    seenThroughId: id('seen_through_id'),
    tokenCount: integer('token_count').notNull().default(0),
    /** Sent while no bot process was connected, and taken by the catch-up after reconnecting. */
    sentWhileOffline: boolean('sent_while_offline').notNull().default(false),
    search: tsvector('search').generatedAlwaysAs(sql`to_tsvector('simple', coalesce(content, ''))`),
    createdAt: createdAt(),
  },
  (table) => [
    index('messages_agent_id_idx').on(table.agentId, table.id),
    uniqueIndex('messages_discord_message_id_key').on(table.discordMessageId),
    index('messages_search_idx').using('gin', table.search),
    // A person's recent messages, for USER_TURNS_PER_MINUTE.
    index('messages_author_time_idx').on(table.authorId, table.createdAt).where(sql`${table.role} = 'user'`),
  ],
);

/**
 * Messages held back because their author went past USER_TURNS_PER_MINUTE: each enters its
 * agent's conversation (a `messages` row, stored as `message` holds it) at `deferred_until`.
 */
export const deferredMessages = pgTable(
  'deferred_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    agentId: id('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    guildId: text('guild_id'),
    channelId: text('channel_id').notNull(),
    discordMessageId: text('discord_message_id').notNull(),
    /** The messages row to insert, by column name. */
    message: jsonb('message').$type<Record<string, unknown>>().notNull(),
    deferredUntil: timestamp('deferred_until', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('deferred_messages_discord_message_id_key').on(table.discordMessageId), index('deferred_messages_due_idx').on(table.deferredUntil)],
);

/** Facts an agent keeps, written by its `remember` tool or `/memory add`. */
export const memories = pgTable(
  'memories',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    agentId: id('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    guildId: text('guild_id'),
    content: text('content').notNull(),
    authorId: text('author_id'),
    createdAt: createdAt(),
  },
  (table) => [index('memories_agent_idx').on(table.agentId)],
);

export type TurnStatus = 'running' | 'done' | 'failed';

/** One run of an agent: exists before anything of it is posted, so a resumed turn finds its posts. */
export const turns = pgTable(
  'turns',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    agentId: id('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    guildId: text('guild_id'),
    status: text('status').$type<TurnStatus>().notNull().default('running'),
    /** The user whose message started the turn; tools act with their permissions. */
    requestedBy: text('requested_by'),
    attempts: integer('attempts').notNull().default(1),
    /** The newest message the turn's context held: later ones still need an answer. */
    seenThroughId: id('seen_through_id'),
    /** The answer as fully shown in Discord: a turn resumed after that finishes from it, without the model. */
    shownText: text('shown_text'),
    error: text('error'),
    startedAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [index('turns_agent_idx').on(table.agentId, table.id)],
);

export type OutboxStatus = 'pending' | 'posted' | 'failed';

/** Posts on their way to Discord: the nonce makes a retried post idempotent. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: text('guild_id'),
    agentId: id('agent_id').references(() => agents.id, { onDelete: 'cascade' }),
    turnId: id('turn_id').references(() => turns.id, { onDelete: 'cascade' }),
    chunkIndex: integer('chunk_index').notNull().default(0),
    kind: text('kind').$type<'message' | 'thread'>().notNull().default('message'),
    channelId: text('channel_id').notNull(),
    content: text('content').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    nonce: text('nonce').notNull(),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    discordMessageId: text('discord_message_id'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    postedAt: timestamp('posted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('outbox_turn_chunk_key').on(table.turnId, table.chunkIndex),
    uniqueIndex('outbox_nonce_key').on(table.nonce),
    index('outbox_pending_idx').on(table.id).where(sql`${table.status} = 'pending'`),
  ],
);

/** Tokens of every LLM call, attributed to the agent and its tree's root. */
export const usage = pgTable(
  'usage',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: text('guild_id'),
    channelId: text('channel_id'),
    /** For DMs, whose usage is reported per user. */
    userId: text('user_id'),
    agentId: id('agent_id').references(() => agents.id, { onDelete: 'set null' }),
    rootId: id('root_id'),
    model: text('model').notNull(),
    purpose: text('purpose').$type<'turn' | 'summary'>().notNull().default('turn'),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    index('usage_guild_time_idx').on(table.guildId, table.createdAt),
    index('usage_channel_time_idx').on(table.channelId, table.createdAt),
    index('usage_root_idx').on(table.rootId),
  ],
);

/** Recurring tasks of an agent. */
export const schedules = pgTable(
  'schedules',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: text('guild_id'),
    channelId: text('channel_id').notNull(),
    agentId: id('agent_id').references(() => agents.id, { onDelete: 'cascade' }),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    task: text('task').notNull(),
    helper: text('helper'),
    createdBy: text('created_by').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
  },
  (table) => [index('schedules_guild_idx').on(table.guildId)],
);

/** One row per firing: the primary key is the claim that makes a firing exactly-once. */
export const scheduleRuns = pgTable(
  'schedule_runs',
  {
    scheduleId: id('schedule_id')
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    fireAt: timestamp('fire_at', { withTimezone: true }).notNull(),
    claimedBy: text('claimed_by').notNull(),
    status: text('status').$type<'running' | 'done' | 'failed'>().notNull().default('running'),
    error: text('error'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [primaryKey({ columns: [table.scheduleId, table.fireAt] })],
);

/** Interaction ids claimed before they are acknowledged: with two processes, the loser stays silent. */
export const interactionClaims = pgTable('interaction_claims', {
  interactionId: text('interaction_id').primaryKey(),
  claimedBy: text('claimed_by').notNull(),
  createdAt: createdAt(),
});
