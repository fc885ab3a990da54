/** The engine's own vocabulary: plain data, no library types. */

export interface Persona {
  name: string;
  instructions: string;
  model: string;
  /** null leaves the provider's default. */
  temperature: number | null;
  /** Tool names this persona may use; null means every tool. */
  tools: string[] | null;
}

export type ReplyMode = 'mention' | 'all' | 'off';
/** The work queue's state of an agent. */
export type RunState = 'idle' | 'queued' | 'running';
/** A helper's life in its tree; a channel agent is always `active`. */
export type Lifecycle = 'active' | 'waiting' | 'done' | 'failed' | 'cancelled' | 'timed_out';
/** Whether a helper still works on its task (its result has not gone to its spawner yet). */
export function isLive(lifecycle: Lifecycle): boolean {
  return lifecycle === 'active' || lifecycle === 'waiting';
}
/** What a user-role message of a conversation is: a person's message, a helper's task, its helpers' results, or a schedule's firing. */
export type InputKind = 'chat' | 'task' | 'results' | 'schedule';
/** A firing of a schedule: `running` until its turn ends; `missed` counts fire times skipped (downtime past the catch-up window); `skipped`: not run (its creator lost the permission). */
export type ScheduleRunStatus = 'running' | 'done' | 'failed' | 'missed' | 'skipped';

/** A recurring task of a channel's agent: a cron expression in an IANA time zone. */
export interface Schedule {
  id: number;
  guildId: string;
  channelId: string;
  agentId: number;
  cron: string;
  timezone: string;
  task: string;
  /** Fired as this helper in a thread of its own (null: the channel's agent does the task). */
  helper: string | null;
  /** Posts notify (else they are silent); `mentionRoleId` is pinged above the answer. */
  notify: boolean;
  mentionRoleId: string | null;
  /** The person it acts for: their permission is checked again at every firing. */
  createdBy: string;
  /** Why it is paused (null: active). */
  pausedReason: string | null;
  nextFireAt: Date | null;
  consecutiveFailures: number;
  createdAt: Date;
}

/** One firing (or the fire times it skipped). */
export interface ScheduleRun {
  scheduleId: number;
  fireAt: Date;
  status: ScheduleRunStatus;
  late: boolean;
  missedCount: number;
  error: string | null;
}
/** Who spawned: the model's `spawn_helpers` tool, or a person's `/spawn`. */
export type SpawnOrigin = 'tool' | 'command';

/** Where an agent lives: a guild (or none, for DMs) and the Discord channel it talks in. */
export interface ChannelRef {
  guildId: string | null;
  channelId: string;
}

export interface Agent extends ChannelRef {
  id: number;
  kind: 'channel' | 'helper';
  persona: Persona;
  replyMode: ReplyMode;
  runState: RunState;
  lifecycle: Lifecycle;
  /** depth 0: a channel agent; a helper is one deeper than its spawner. */
  depth: number;
  parentId: number | null;
  /** The channel agent at the top of a helper's tree (null for a channel agent). */
  rootId: number | null;
  /** The spawn call at the top of a helper's tree. */
  treeId: number | null;
  task: string | null;
  briefing: string | null;
  /** The person a helper's turns act for. */
  actsFor: string | null;
  /** Where a helper's header is posted: its tree's root text channel. */
  homeChannelId: string | null;
  /** Tokens a helper may still use itself plus what it carved for its live children (null: no budget). */
  tokenBudget: number | null;
  /** When a helper is timed out (HELPER_MAX_SECONDS from its creation, or its spawner's, if earlier). */
  deadlineAt: Date | null;
  createdAt: Date;
  historyStartId: number;
  summary: string | null;
  summaryThroughId: number;
  wakeSeq: number;
  /** The message showing the last failure notice: the next turn that answers takes it over. */
  noticeMessageId: string | null;
}

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  name: string;
  /** Raw JSON text as the model produced it; may be invalid. */
  arguments: string;
}

export interface AttachmentInfo {
  filename: string;
  contentType: string | null;
  size: number;
  kind: 'text' | 'image' | 'other';
  /** Only usable in the turn the attachment arrived in: Discord's CDN URLs expire. */
  url?: string;
  /** A text file not read yet: the turn that answers its message reads it first. */
  pending?: boolean;
  /** Why a file that looked like text was not read into the conversation. */
  unreadable?: 'binary' | 'too_large' | 'download_failed';
}

/** A message of an agent's conversation, as much of it as its prompt needs. */
export interface StoredMessage {
  id: number;
  role: MessageRole;
  content: string;
  authorName: string | null;
  replyToText: string | null;
  attachments: AttachmentInfo[] | null;
  toolCalls: ToolCall[] | null;
  toolCallId: string | null;
  toolName: string | null;
  /** For a turn's own messages: the newest message the turn had seen (orders the conversation). */
  seenThroughId: number | null;
  inputKind: InputKind;
  tokenCount: number;
}

export interface NewMessage {
  role: MessageRole;
  content: string;
  authorId?: string | null;
  authorName?: string | null;
  discordMessageId?: string | null;
  replyToText?: string | null;
  attachments?: AttachmentInfo[] | null;
  toolCalls?: ToolCall[] | null;
  toolCallId?: string | null;
  toolName?: string | null;
  turnId?: number | null;
  seenThroughId?: number | null;
  /** Sent while no bot process was connected (taken by the catch-up). */
  sentWhileOffline?: boolean;
  /** Default `chat`. */
  inputKind?: InputKind;
  /** For an input that is not a person's own message: the person its turn acts for. */
  actsFor?: string | null;
  /** A schedule's firing, or the results of the helper it spawned. */
  scheduleId?: number | null;
  tokenCount: number;
}

export interface Fact {
  id: number;
  content: string;
  authorId: string | null;
  createdAt: Date;
}

export interface Turn {
  id: number;
  agentId: number;
  requestedBy: string | null;
  attempts: number;
  /** Set when an earlier attempt showed and stored its answer in full: the turn only has to end. */
  shown?: { text: string; seenThroughId: number | null };
}

/**
 * Who holds a turn. Every write of the turn names its lease and is refused once another process
 * has taken the turn over (the lease ran out), so a process that lost it can change nothing.
 */
export interface TurnLease {
  agentId: number;
  turnId: number;
  owner: string;
}

/** A message already posted for a turn: a resumed turn edits these instead of posting again. */
export interface PostedChunk {
  chunkIndex: number;
  channelId: string;
  discordMessageId: string;
  content: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface UsageTotals {
  today: TokenUsage;
  total: TokenUsage;
}

export interface SearchHit {
  id: number;
  role: MessageRole;
  authorName: string | null;
  content: string;
  createdAt: Date;
}
