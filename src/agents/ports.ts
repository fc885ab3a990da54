import type {
  Agent,
  AttachmentInfo,
  ChannelRef,
  Fact,
  InputKind,
  NewMessage,
  Persona,
  PostedChunk,
  ReplyMode,
  SearchHit,
  StoredMessage,
  TokenUsage,
  ToolCall,
  Turn,
  TurnLease,
  UsageTotals,
  Lifecycle,
  RunState,
  Schedule,
  ScheduleRun,
  SpawnOrigin,
} from './types.js';

/**
 * The engine's ports: everything it needs from the database, the model and Discord, as small
 * interfaces. Adapters in src/db, src/llm and src/discord implement them; tests may fake them.
 */

// ---------------------------------------------------------------- model

/** A prompt message in the chat-completions shape, the lingua franca of OpenAI-compatible APIs. */
export type PromptMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | PromptContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: PromptToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export type PromptContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface PromptToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ModelRequest {
  model: string;
  temperature: number | null;
  messages: PromptMessage[];
  tools: ToolSpec[];
  maxTokens: number;
}

export interface ModelResponse {
  text: string;
  toolCalls: ToolCall[];
  usage: TokenUsage;
}

export interface ModelCallOptions {
  /** Receives the whole text so far each time it grows, and again from the start when a retry begins. */
  onText?: (textSoFar: string) => void;
  /** Aborts the call (the turn's lease was lost): it then throws without retrying. */
  signal?: AbortSignal;
}

export interface ChatModel {
  /**
   * One model call, streamed. Retries transient failures itself; every attempt is bounded in
   * time, before the first token and between two chunks.
   * @throws ModelError after the last attempt, or when aborted.
   */
  complete(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse>;
}

// ---------------------------------------------------------------- chat (Discord)

/** A button under a message; `id` comes back when it is pressed. */
export interface MessageAction {
  id: string;
  label: string;
}

export interface PostRequest {
  channelId: string;
  content: string;
  nonce: string;
  actions?: MessageAction[];
  replyTo?: string;
  /** Posted with SUPPRESS_NOTIFICATIONS: nobody gets a push or desktop notification. */
  silent?: boolean;
  /** Roles this post may ping (a schedule's `mention`, written by the runtime, never the model); default none. */
  mentionRoleIds?: string[];
}

export type MemberPermission = 'ManageMessages' | 'ManageChannels' | 'ManageGuild';

/**
 * Discord as the engine sees it. Posts and edits retry Discord's own failures (5xx, 429) with
 * backoff before they throw; a refusal no retry can fix (missing permission, unknown channel or
 * message, AutoMod) throws at once.
 */
export interface ChatGateway {
  sendTyping(channelId: string): Promise<void>;
  /**
   * Posts with no mentions allowed. The nonce makes a retried post return the first one.
   * `replyTo` makes it a reply to that message (pinging nobody).
   */
  postMessage(request: PostRequest): Promise<string>;
  /**
   * Starts a public thread from a message (its id is the message's id). Discord allows one
   * thread per message: when it exists already (a retried creation), that thread is returned.
   * @throws ChatRefusal when Discord refuses for good (missing permission, archived or locked
   *   channel, too many active threads): its `reason` is written for people.
   */
  createThread(request: { channelId: string; messageId: string; name: string }): Promise<string>;
  /** What kind of channel this is, and for a thread its parent. */
  describeChannel(channelId: string): Promise<{ kind: 'text' | 'thread' | 'dm' | 'other'; parentId: string | null }>;
  /** Replaces a message's text; `actions` replaces its buttons too (`[]` removes them). */
  editMessage(request: { channelId: string; messageId: string; content: string; actions?: MessageAction[] }): Promise<void>;
  deleteMessage(request: { channelId: string; messageId: string }): Promise<void>;
  /** Adds (or, with `remove`, takes back) the bot's reaction to a message. */
  react(request: { channelId: string; messageId: string; emoji: string; remove?: boolean }): Promise<void>;
  /** Whether a user may do what the permission allows in that channel (always true in DMs). */
  memberHasPermission(where: ChannelRef, userId: string, permission: MemberPermission): Promise<boolean>;
}

// ---------------------------------------------------------------- attachments

export type FetchedText = { ok: true; text: string } | { ok: false; reason: NonNullable<AttachmentInfo['unreadable']> };

/** Downloads an attached text file, within a time and a size limit; never throws. */
export interface AttachmentFetcher {
  fetchText(url: string, maxBytes: number): Promise<FetchedText>;
}

// ---------------------------------------------------------------- storage

export interface AgentStore {
  findByChannel(channelId: string): Promise<Agent | null>;
  getById(agentId: number): Promise<Agent | null>;
  /** The channel's agent, created with `persona` when it has none. */
  getOrCreateChannelAgent(where: ChannelRef, persona: Persona): Promise<Agent>;
  /**
   * Stores a message and queues the channel's agent in one statement — or, given `claimFor` and
   * an agent at rest, claims it for that owner and starts its turn in the same statement, saving
   * the worker a claim. Null, with nothing stored, when the channel has no agent yet, its agent
   * is switched off, or the message was stored already (by this or another process).
   */
  acceptIfListening(
    channelId: string,
    message: NewMessage,
    claimFor?: LeaseRequest,
    /** Nothing is stored when the author already sent this many in the last minute (0: no limit). */
    userTurnsPerMinute?: number,
  ): Promise<{ agent: Agent; claim: Claim | null } | null>;
  /**
   * Keeps a message whose author is past `userTurnsPerMinute` until the minute allows it (unless
   * it was stored or kept already).
   * @returns when it enters the conversation, or null when it was not kept.
   */
  deferIfLimited(channelId: string, message: NewMessage, userTurnsPerMinute: number): Promise<Date | null>;
  /** Puts up to `limit` kept messages whose time has come into their conversations, waking their agents. */
  releaseDue(limit: number): Promise<ReleasedMessage[]>;
  /** Milliseconds until the next kept message is due (null: none is kept). */
  msToNextRelease(): Promise<number | null>;
  /**
   * Marks that this channel was told today (a UTC `YYYY-MM-DD`) that its guild's daily cap is reached.
   * @returns false when it was told already.
   */
  markCapNotice(agentId: number, day: string): Promise<boolean>;
  /** Queues the agent for a turn (e.g. Retry); no-op while it runs, which requeues itself. */
  enqueue(agentId: number): Promise<void>;
  setReplyMode(agentId: number, mode: ReplyMode): Promise<void>;
  setPersona(agentId: number, persona: Persona): Promise<void>;
  /** Starts a new conversation; with `wipe`, deletes the history and facts instead. */
  resetConversation(agentId: number, options: { dropFacts: boolean; wipe: boolean }): Promise<void>;
}

/** A kept message that entered its conversation. */
export interface ReleasedMessage {
  agentId: number;
  channelId: string;
  discordMessageId: string;
  /** Its agent was queued (woken from rest) by it. */
  queued: boolean;
}

export interface GuildSettingsStore {
  defaultPersona(guildId: string): Promise<Persona | null>;
}

/** Who takes a lease, and for how long. */
export interface LeaseRequest {
  owner: string;
  leaseMs: number;
}

/** A claimed agent: this process runs its turn until it releases it or its lease runs out. */
export interface Claim {
  agent: Agent;
  turn: Turn;
  /** Named by every write of the turn. */
  lease: TurnLease;
  /** The agent's wake sequence when claimed: a release requeues if it moved meanwhile. */
  wakeSeq: number;
  /** The newest message the last completed turn saw (0 when none). */
  answeredThroughId: number;
  /**
   * Whether a user message newer than that is waiting. A turn queued by a message its
   * predecessor already answered has nothing to do.
   */
  unanswered: boolean;
  /** Tokens of the history the rolling summary does not cover yet. */
  unsummarisedTokens: number;
  /** Whether an unanswered message has a text file not read yet. */
  pendingAttachments: boolean;
  /** The newest unanswered message sent while the bot was offline (its Discord id): the answer replies to it. */
  offlineMessageId: string | null;
  /**
   * The newest input this turn answers (people's messages, or one helper result or task on its
   * own); later ones wait for the next turn. Undefined: every unanswered one.
   */
  answerThroughId?: number | undefined;
  /** Everyone whose input the turn answers: permission-gated tools need all of them to hold it. */
  actsFor: string[];
  /**
   * The newest input the turn answers: its kind, and the schedule behind it (a firing, or the
   * results of the helper a firing spawned). Null when nothing waits.
   */
  answerInput: { kind: InputKind; scheduleId: number | null } | null;
}

export interface TurnResult {
  status: 'done' | 'failed';
  error?: string;
  /** A helper's answer in this turn: its result, when the turn ends its work. */
  answer?: string;
  /** The newest message id the turn's context included. */
  seenThroughId?: number;
  /** A schedule's firing that did not run, and why (its creator lost the permission): recorded as `skipped`. */
  skipped?: string;
  /**
   * The message the agent's next answering turn takes over (a failure notice, or what a failed
   * turn had shown); null when none is left. Unchanged when undefined (a turn with nothing to do).
   */
  noticeMessageId?: string | null;
}

/** A turn's answer once it is fully shown: stored with its usage before the turn ends. */
export interface ShownAnswer {
  message: NewMessage;
  usage: UsageRecord;
  /** The text as shown in Discord: a turn resumed after this finishes from it. */
  shownText: string;
}

/** `lost`: another process took the agent. `ended`: the helper was cancelled or timed out since the turn began. */
export type LeaseState = 'held' | 'lost' | 'ended';

export interface WorkQueue {
  /**
   * Claims an agent whose lease expired (resuming its turn), else the longest-waiting queued one,
   * turns that answer a person first.
   */
  claimNext(
    owner: string,
    leaseMs: number,
    /**
     * Agents whose turns this process is still running: their leases may have run out while the
     * database was away, and another run of the same turn here must not start.
     */
    busyAgentIds?: readonly number[],
    /** `helpers: false` claims only channel agents (helpers hold their share of the slots). */
    options?: { helpers: boolean },
  ): Promise<Claim | null>;
  /**
   * Whether an agent `claimNext` could take (with the same arguments) is waiting: a claim passes
   * over rows other statements hold locked at that instant, so finding nothing is not proof.
   */
  hasClaimable(busyAgentIds: readonly number[], options: { helpers: boolean }): Promise<boolean>;
  /** Extends the lease, and tells whether the turn should go on. */
  renewLease(lease: TurnLease, leaseMs: number): Promise<LeaseState>;
  /** Lets the leases of this owner's running turns expire now, so another process resumes them at once. */
  releaseLeases(owner: string): Promise<number>;
  /**
   * Lets the leases of owners `isDead` says are gone (a crashed process) expire now.
   * @returns how many turns were freed.
   */
  expireLeasesOf(isDead: (owner: string) => boolean): Promise<number>;
  /** Milliseconds until the next lease held by another owner runs out (null: none is held), to resume its turn if its process died. */
  msToNextLeaseExpiry(owner: string): Promise<number | null>;
  /**
   * Stores the answer, its usage and the shown text in one statement.
   * @throws LeaseLostError when another process holds the turn.
   */
  recordAnswer(lease: TurnLease, answer: ShownAnswer): Promise<void>;
  /**
   * Ends the turn in one atomic step and frees the agent (queued again if woken during the
   * turn, else idle). A helper's turn that answered with no children working ends the helper
   * and, when it was its call's last, delivers the call's results to the spawner.
   * @returns whether an agent was queued by it (this one again, or a spawner).
   * @throws LeaseLostError when another process holds the turn.
   */
  finish(claim: Claim, outcome: TurnResult): Promise<boolean>;
}

export interface MessageStore {
  append(agent: Agent, messages: NewMessage[]): Promise<StoredMessage[]>;
  /**
   * Appends one message of a running turn (a tool call or its result).
   * @throws LeaseLostError when another process holds the turn.
   */
  appendToTurn(lease: TurnLease, agent: Agent, message: NewMessage): Promise<void>;
  /** Messages with `afterId < id < beforeId`, newest first. */
  newestMessages(agentId: number, options: { afterId: number; beforeId?: number; limit: number }): Promise<StoredMessage[]>;
  /** User messages newer than `afterId` with a text file not read yet, oldest first. */
  withPendingAttachments(agentId: number, afterId: number): Promise<StoredMessage[]>;
  /**
   * Replaces a message's text and attachments once its files were read.
   * @throws LeaseLostError when another process holds the turn.
   */
  completeAttachments(lease: TurnLease, messageId: number, update: { content: string; attachments: AttachmentInfo[]; tokenCount: number }): Promise<void>;
  /**
   * The tool calls a turn stored with no result after them (the process died while they ran),
   * in the order they were made, each with the `seenThroughId` of the message that made it.
   */
  unansweredToolCalls(agentId: number, turnId: number): Promise<Array<{ call: ToolCall; seenThroughId: number | null }>>;
  /** Messages with id > afterId, oldest first. */
  oldestMessages(agentId: number, options: { afterId: number; limit: number }): Promise<StoredMessage[]>;
  /** Full-text search over user and assistant messages with id < beforeId (all when undefined). */
  search(agentId: number, query: string, options: { limit: number; beforeId?: number }): Promise<SearchHit[]>;
}

export interface MemoryStore {
  facts(agentId: number, limit: number): Promise<Fact[]>;
  addFact(agent: Agent, content: string, authorId: string | null): Promise<Fact>;
  /** False when this agent has no such fact. */
  forgetFact(agentId: number, factId: number): Promise<boolean>;
  clearFacts(agentId: number): Promise<number>;
  countFacts(agentId: number): Promise<number>;
  /** Saves the rolling summary and its cursor together. */
  saveSummary(agentId: number, summary: string, throughId: number): Promise<void>;
}

/** What a turn has posted, chunk by chunk; every write is fenced by the turn's lease. */
export interface OutboxStore {
  postedChunks(turnId: number): Promise<PostedChunk[]>;
  /**
   * Records a chunk as posted (or edited) with the Discord message that shows it.
   * @throws LeaseLostError when another process holds the turn.
   */
  recordPosted(lease: TurnLease, chunk: PostedChunk & { agent: Agent; nonce: string }): Promise<void>;
  /** @throws LeaseLostError when another process holds the turn. */
  removeChunk(lease: TurnLease, chunkIndex: number): Promise<void>;
}

export interface UsageRecord extends TokenUsage {
  agent: Agent;
  userId: string | null;
  model: string;
  purpose: 'turn' | 'summary';
}

export interface UsageStore {
  /**
   * Records one model call of a running turn.
   * @throws LeaseLostError when another process holds the turn.
   */
  record(lease: TurnLease, entry: UsageRecord): Promise<void>;
  /** Totals for a channel, a guild, or one user's DMs; "today" is the UTC day. */
  totals(scope: { channelId: string } | { guildId: string } | { dmUserId: string } | { agentId: number }): Promise<UsageTotals>;
}

// ---------------------------------------------------------------- helper trees

/** A helper to insert: everything about it is decided before the transaction that inserts it. */
export interface NewHelper {
  persona: Persona;
  task: string;
  /** Its task as the first input of its conversation. */
  taskMessage: NewMessage;
  briefing: string;
  /** The name of its thread (1–100 characters). */
  threadName: string;
}

/** What the spawn transaction reads, under its locks, before the children are inserted. */
export interface SpawnCircumstances {
  /** Helpers queued, running or waiting in the guild right now. */
  liveInGuild: number;
  /** Tokens the guild's helpers used today (UTC). */
  helperTokensToday: number;
  /** What a spawning helper may still spend or hand out (null: a channel agent, which starts a tree). */
  spawnerRemaining: number | null;
}

/** Each child's token budget, and what is carved from the spawner for them; or why nothing is spawned. */
export type SpawnPlan = { refused: string } | { budgets: number[] };

export interface SpawnRequest {
  spawner: Agent;
  /** The spawning turn's lease (a tool call): the spawn is fenced by it. Null for /spawn. */
  lease: TurnLease | null;
  origin: SpawnOrigin;
  actsFor: string | null;
  /** Spawned by this schedule's firing: its results' turn posts as the schedule says. */
  scheduleId?: number | null;
  homeChannelId: string;
  /** The children's deadline: the earlier of HELPER_MAX_SECONDS from now and the spawner's. */
  deadline: Date;
  helpers: NewHelper[];
  plan: (circumstances: SpawnCircumstances) => SpawnPlan;
}

export type SpawnOutcome = { refused: string } | { callId: number; helperIds: number[]; budgets: number[] };

/** A helper as its header, its results and `/cancel` show it. */
export interface HelperView {
  id: number;
  guildId: string | null;
  /** The channel agent at the top of its tree. */
  rootId: number;
  name: string;
  task: string;
  /** Names of its helper ancestors, outermost first (empty at depth 1). */
  lineage: string[];
  lifecycle: Lifecycle;
  runState: RunState;
  liveChildren: number;
  /** Its header message, which is also its thread's id (null until the header is posted). */
  threadId: string | null;
  homeChannelId: string;
  createdAt: Date;
  endedAt: Date | null;
  tokensUsed: number;
  result: string | null;
  /** The person behind its tree. */
  actsFor: string | null;
}

/** How a helper ended, and its result (for `done`, its answer). */
export interface HelperEnding {
  lifecycle: Extract<Lifecycle, 'done' | 'failed' | 'cancelled' | 'timed_out'>;
  result: string;
}

export interface TreeStore {
  /**
   * Inserts the spawn call, its children (with their budgets carved from the spawner), their task
   * messages and their header posts, in one transaction — under a lock of the guild, so the live
   * limit holds across processes. Refused (nothing written) when `plan` refuses, or when the
   * spawning turn's lease is lost.
   */
  spawn(request: SpawnRequest): Promise<SpawnOutcome>;
  /** Names and tasks of an agent's helper ancestors and itself, outermost first (for lineage and repeats). */
  lineage(agentId: number): Promise<Array<{ name: string; task: string }>>;
  /** Tokens a helper may still spend itself: its budget less what it used (null: no budget). */
  remainingBudget(agentId: number): Promise<number | null>;
  view(agentId: number): Promise<HelperView | null>;
  /** The live helpers of the trees a channel agent started. */
  liveOfRoot(rootId: number): Promise<HelperView[]>;
  /** The live helpers whose header is in this channel (or whose thread this is). */
  liveInChannel(guildId: string, channelId: string): Promise<HelperView[]>;
  /**
   * The spawn made by a tool call that a turn was running when its process died: a spawn call of
   * that turn made after the turn's last stored message (tools run one at a time, each result
   * stored before the next call), or null when the call died before it spawned.
   */
  interruptedSpawn(spawnerId: number, turnId: number): Promise<{ callId: number; helperIds: number[]; budgets: number[] } | null>;
  /**
   * Ends helpers that have not ended yet, with their live subtrees (as `cancelled`, or
   * `timed_out` for a time-out): queued turns never start, running ones see it at their next
   * lease renewal. Each call whose last child this was delivers its results, in the same
   * transaction. @returns how many helpers ended and whether an agent was queued.
   */
  end(agentIds: number[], ending: HelperEnding): Promise<{ ended: number; queued: boolean }>;
  /** Ends (`timed_out`) the live helpers past their deadline; as `end`. */
  timeOutDue(limit: number): Promise<{ ended: number; queued: boolean }>;
  /** Milliseconds until the earliest deadline of a live helper (null: none). */
  msToNextDeadline(): Promise<number | null>;
}

/** An outbox row for the dispatcher to send. */
export interface OutboxItem {
  id: number;
  kind: 'header' | 'thread' | 'header_edit' | 'result' | 'notice';
  agentId: number | null;
  channelId: string;
  content: string;
  /** A notice's buttons. */
  actions: MessageAction[];
  nonce: string;
  attempts: number;
}

/** The pending posts of the outbox: claimed, then marked with how they went. */
export interface DispatchStore {
  /** Claims due pending items (only `ids` when given) for `holdMs`; edits of one helper's header coalesce into one. */
  claim(owner: string, options: { limit: number; holdMs: number; ids?: readonly number[] }): Promise<OutboxItem[]>;
  /**
   * Frees the claims held by processes `isDead` says are gone, so that what they were sending is
   * sent now rather than when their hold runs out. @returns how many items were freed.
   */
  releaseClaimsOf(isDead: (owner: string) => boolean): Promise<number>;
  /** Milliseconds until the next pending item is claimable (its retry time, or another's hold running out); null: none. */
  msToNextDue(): Promise<number | null>;
  /** Pending items that belong to these helpers (their header and thread, so a spawn can send them at once). */
  pendingFor(agentIds: readonly number[]): Promise<number[]>;
  /** A header is up: it is the helper's channel from now on, and its thread is to be created. @returns the thread item. */
  headerPosted(item: OutboxItem, messageId: string): Promise<number | null>;
  /** The helper's thread is open: its first turn is queued. */
  threadOpened(item: OutboxItem): Promise<void>;
  /** Marks an item sent (an edit, a result post). */
  sent(item: OutboxItem, messageId: string | null): Promise<void>;
  /** Tries the item again after `retryInMs`, or gives it up (`retryInMs` null). */
  failed(item: OutboxItem, error: string, retryInMs: number | null): Promise<void>;
}

// ---------------------------------------------------------------- schedules

export type NewSchedule = Omit<Schedule, 'id' | 'pausedReason' | 'consecutiveFailures' | 'createdAt'>;

/** What a schedule may change in place (`/schedule edit`): the id and its history stay. */
export type ScheduleChanges = Partial<Pick<Schedule, 'cron' | 'timezone' | 'task' | 'helper' | 'notify' | 'mentionRoleId' | 'nextFireAt'>>;

/** Where schedules are paused: one, a channel's, or a guild's. */
export type ScheduleScope = { scheduleId: number } | { channelId: string } | { guildId: string };

/** What a due schedule fires, decided by the scheduler (fire times are computed in its zone). */
export interface FiringPlan {
  /** The fire time to run now (null: nothing within the catch-up window). */
  fireAt: Date | null;
  late: boolean;
  /** Other fire times skipped, recorded in one `missed` run. */
  missed: number;
  next: Date | null;
  /** The scheduled-task message for the agent's conversation. */
  content: string;
}

/** A schedule with its latest firing, as `/schedule list` shows it. */
export interface ListedSchedule extends Schedule {
  lastRun: ScheduleRun | null;
}

export interface ScheduleStore {
  /**
   * Inserts a schedule unless its guild has `maxPerGuild` already, counted under a lock of the
   * guild so several processes cannot pass it.
   */
  create(schedule: NewSchedule, maxPerGuild: number): Promise<Schedule | { refused: 'limit' }>;
  /** A schedule of this guild (ids are never looked up across guilds). */
  get(guildId: string, scheduleId: number): Promise<Schedule | null>;
  /** A channel's schedules (all of the guild's with no channel), oldest first. */
  list(guildId: string, channelId: string | null): Promise<ListedSchedule[]>;
  update(guildId: string, scheduleId: number, changes: ScheduleChanges): Promise<Schedule | null>;
  remove(guildId: string, scheduleId: number): Promise<boolean>;
  /** Pauses the active schedules in scope, for `reason`. @returns those it paused (none when they were paused already). */
  pause(scope: ScheduleScope, reason: string): Promise<Schedule[]>;
  /** Active again, from `nextFireAt`, with its failure count reset. */
  resume(guildId: string, scheduleId: number, nextFireAt: Date | null): Promise<Schedule | null>;
  guildTimezone(guildId: string): Promise<string | null>;
  setGuildTimezone(guildId: string, timezone: string): Promise<void>;
  /**
   * Claims due schedules (`FOR UPDATE SKIP LOCKED`, so each is claimed by one process): for each,
   * `plan` says what to fire; the run row (whose key makes it exactly-once), the scheduled-task
   * message, the agent's wake and the next fire time are written in one transaction.
   * @returns the firings this process made.
   */
  claimDue(owner: string, limit: number, plan: (schedule: Schedule) => FiringPlan): Promise<Array<{ schedule: Schedule; fireAt: Date }>>;
  /** Milliseconds until the earliest fire time of an enabled schedule (null: none; 0: one is due). */
  msToNextFire(): Promise<number | null>;
  /** Fires a schedule now (run-now), as a due firing would, leaving its next fire time. @returns false when this instant was fired already. */
  fireNow(owner: string, schedule: Schedule, fireAt: Date, content: string): Promise<boolean>;
  /** The schedule and run behind a scheduled-task message (null: not one, or its schedule is gone). */
  firingOf(messageId: number): Promise<{ schedule: Schedule; run: ScheduleRun } | null>;
  /** Notify and mention settings of a schedule (for the turn that answers a helper it spawned). */
  byId(scheduleId: number): Promise<Schedule | null>;
}

/** Every store the engine uses, as one object to pass around. */
export interface EngineStores {
  agents: AgentStore;
  guildSettings: GuildSettingsStore;
  queue: WorkQueue;
  messages: MessageStore;
  memory: MemoryStore;
  outbox: OutboxStore;
  usage: UsageStore;
  tree: TreeStore;
  dispatch: DispatchStore;
  schedules: ScheduleStore;
}

/**
 * What one bot process tells the others sharing its database, so that none of them polls:
 * `work` an agent was queued that this process has no slot for (or it stopped and released its
 * turns); `claims` it began holding turn leases or outbox items, whose expiry the others watch in
 * case it dies; `helpers` a helper's deadline was set; `deferred` a kept message's release time
 * was set; `schedules` a schedule was created or changed.
 */
export type SignalTopic = 'work' | 'claims' | 'helpers' | 'deferred' | 'schedules';

/** NOTIFY/LISTEN on the server; nothing on PGlite (one process); a timer behind a pooler that cannot listen. */
export interface ProcessSignals {
  /** Tells the other processes (this one acts on its own changes directly). */
  send(topic: SignalTopic): void;
  /** Calls `listener` when another process sends `topic`, and whenever signals may have been missed. */
  on(topic: SignalTopic, listener: () => void): void;
}
