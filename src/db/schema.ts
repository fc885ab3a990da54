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
import type { AttachmentInfo, InputKind, Lifecycle, RunState, ScheduleRunStatus, SpawnOrigin } from '../agents/types.js';

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
  /** The IANA zone of schedules created without one (null: UTC). */
  timezone: text('timezone'),
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

export type { RunState, Lifecycle, InputKind, SpawnOrigin } from '../agents/types.js';
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
    /** The work queue's state: whether a turn waits for a worker or runs. */
    runState: text('run_state').$type<RunState>().notNull().default('idle'),
    /** A helper's life in its tree (channel agents stay `active`); a follow-up turn does not change it. */
    lifecycle: text('lifecycle').$type<Lifecycle>().notNull().default('active'),
    /** 0: a person waits for this agent's turn; 1: it answers helper results or a task (claimed after). */
    queuePriority: integer('queue_priority').notNull().default(0),
    /** The spawn call that started this helper, and the one at the top of its tree (its budget). */
    spawnCallId: id('spawn_call_id').references((): AnyPgColumn => spawnCalls.id, { onDelete: 'set null' }),
    treeId: id('tree_id'),
    /** The person behind the tree's root: a helper's turns act for them. */
    actsFor: text('acts_for'),
    /** The root text channel: where a helper's header is posted and its thread opens. */
    homeChannelId: text('home_channel_id'),
    /** What a helper is told about who spawned it, why, and its lineage (written once, at spawn). */
    briefing: text('briefing'),
    deadlineAt: timestamp('deadline_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
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
    index('agents_run_queue_idx').on(table.queuePriority, table.queuedAt).where(sql`${table.runState} = 'queued'`),
    index('agents_run_lease_idx').on(table.leaseExpiresAt).where(sql`${table.runState} = 'running'`),
    index('agents_guild_idx').on(table.guildId),
    index('agents_parent_idx').on(table.parentId),
    index('agents_live_helpers_idx').on(table.guildId, table.deadlineAt).where(sql`${table.kind} = 'helper' and ${table.lifecycle} in ('active', 'waiting')`),
  ],
);

/**
 * One call of `spawn_helpers` (or one `/spawn`): its children's results go back together, once
 * `pending` — the children still working — reaches zero.
 */
export const spawnCalls = pgTable(
  'spawn_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: text('guild_id'),
    spawnerId: id('spawner_id')
      .notNull()
      .references((): AnyPgColumn => agents.id, { onDelete: 'cascade' }),
    origin: text('origin').$type<SpawnOrigin>().notNull(),
    turnId: id('turn_id'),
    /** The person the spawner's next turn (reading the results) acts for. */
    actsFor: text('acts_for'),
    pending: integer('pending').notNull(),
    /** For a call that starts a tree: the tree's token budget. */
    treeBudget: integer('tree_budget'),
    /** A schedule's firing spawned it: the results' turn posts as that schedule says (notify, mention). */
    scheduleId: id('schedule_id'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (table) => [index('spawn_calls_spawner_idx').on(table.spawnerId)],
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
    /** What kind of input a user-role message is: a person's chat message, a helper's task, or helper results. */
    inputKind: text('input_kind').$type<InputKind>().notNull().default('chat'),
    /** For an input: the person the turn answering it acts for. */
    actsFor: text('acts_for'),
    /** For a schedule's firing, and the results of the helper it spawned: that schedule. */
    scheduleId: id('schedule_id'),
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
/**
 * `message`: a chunk of a turn's reply (posted, then recorded). The others are written pending in
 * the transaction of the change they show, and sent by the dispatcher: a helper's `header`, its
 * `thread`, a `header_edit` (rendered from the helper's state when sent), a `result` post, a
 * `notice` (e.g. a schedule paused itself; its buttons in `payload.actions`).
 */
export type OutboxKind = 'message' | 'header' | 'thread' | 'header_edit' | 'result' | 'notice';

/** Posts on their way to Discord: the nonce makes a retried post idempotent. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    guildId: text('guild_id'),
    agentId: id('agent_id').references(() => agents.id, { onDelete: 'cascade' }),
    turnId: id('turn_id').references(() => turns.id, { onDelete: 'cascade' }),
    chunkIndex: integer('chunk_index').notNull().default(0),
    kind: text('kind').$type<OutboxKind>().notNull().default('message'),
    channelId: text('channel_id').notNull(),
    content: text('content').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    nonce: text('nonce').notNull(),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    discordMessageId: text('discord_message_id'),
    attempts: integer('attempts').notNull().default(0),
    /** Not sent before this (a retry's backoff; a header edit waiting for its channel's rate). */
    notBefore: timestamp('not_before', { withTimezone: true }),
    /** A dispatcher holds the row until then; after that another one may send it. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** The process (lease owner id) holding the claim: a starting process takes over a dead one's at once. */
    claimedBy: text('claimed_by'),
    error: text('error'),
    createdAt: createdAt(),
    postedAt: timestamp('posted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('outbox_turn_chunk_key').on(table.turnId, table.chunkIndex),
    uniqueIndex('outbox_nonce_key').on(table.nonce),
    index('outbox_pending_idx').on(table.id).where(sql`${table.status} = 'pending'`),
    // The header edits' rate per channel reads the headers posted there in the last second.
    index('outbox_header_posted_idx')
      .on(table.channelId, table.postedAt)
      .where(sql`${table.kind} in ('header', 'header_edit') and ${table.status} = 'posted'`),
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
    index('usage_agent_idx').on(table.agentId),
  ],
);

/** Recurring tasks of a channel's agent (see the Schedule type). */
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
    notify: boolean('notify').notNull().default(false),
    mentionRoleId: text('mention_role_id'),
    createdBy: text('created_by').notNull(),
    /** false: paused, for `paused_reason`. */
    enabled: boolean('enabled').notNull().default(true),
    pausedReason: text('paused_reason'),
    /** The next fire time (computed in the schedule's zone): every process's tick claims it when due. */
    nextFireAt: timestamp('next_fire_at', { withTimezone: true }),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('schedules_guild_idx').on(table.guildId),
    index('schedules_due_idx').on(table.nextFireAt).where(sql`${table.enabled}`),
  ],
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
    status: text('status').$type<ScheduleRunStatus>().notNull().default('running'),
    /** Fired after its time (the bot was down): the task's message says when it was due. */
    late: boolean('late').notNull().default(false),
    /** For a `missed` row: how many fire times were skipped. */
    missedCount: integer('missed_count').notNull().default(0),
    /** The scheduled-task message it put in the agent's conversation, and the turn that answered it. */
    messageId: id('message_id'),
    turnId: id('turn_id'),
    error: text('error'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    primaryKey({ columns: [table.scheduleId, table.fireAt] }),
    index('schedule_runs_message_idx').on(table.messageId).where(sql`${table.messageId} is not null`),
  ],
);

/** Interaction ids claimed before they are acknowledged: with two processes, the loser stays silent. */
export const interactionClaims = pgTable('interaction_claims', {
  interactionId: text('interaction_id').primaryKey(),
  claimedBy: text('claimed_by').notNull(),
  createdAt: createdAt(),
});
