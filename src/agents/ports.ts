import type {
  Agent,
  ChannelRef,
  Fact,
  NewMessage,
  Persona,
  PostedChunk,
  ReplyMode,
  SearchHit,
  StoredMessage,
  TokenUsage,
  ToolCall,
  Turn,
  UsageTotals,
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

export interface ChatModel {
  /**
   * One model call, streamed: `onText` receives the whole text so far each time it grows, and
   * again from the start when a retry begins. Retries transient failures itself.
   * @throws ModelError after the last attempt.
   */
  complete(request: ModelRequest, options?: { onText?: (textSoFar: string) => void }): Promise<ModelResponse>;
}

// ---------------------------------------------------------------- chat (Discord)

/** A button under a message; `id` comes back when it is pressed. */
export interface MessageAction {
  id: string;
  label: string;
}

export type MemberPermission = 'ManageMessages' | 'ManageChannels' | 'ManageGuild';

export interface ChatGateway {
  sendTyping(channelId: string): Promise<void>;
  /** Posts with no mentions allowed. The nonce makes a retried post return the first one. */
  postMessage(request: { channelId: string; content: string; nonce: string; actions?: MessageAction[] }): Promise<string>;
  editMessage(request: { channelId: string; messageId: string; content: string }): Promise<void>;
  deleteMessage(request: { channelId: string; messageId: string }): Promise<void>;
  /** Whether a user may do what the permission allows in that channel (always true in DMs). */
  memberHasPermission(where: ChannelRef, userId: string, permission: MemberPermission): Promise<boolean>;
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
  acceptIfListening(channelId: string, message: NewMessage, claimFor?: LeaseRequest): Promise<{ agent: Agent; claim: Claim | null } | null>;
  /** Queues the agent for a turn (e.g. Retry); no-op while it runs, which requeues itself. */
  enqueue(agentId: number): Promise<void>;
  setReplyMode(agentId: number, mode: ReplyMode): Promise<void>;
  setPersona(agentId: number, persona: Persona): Promise<void>;
  /** Starts a new conversation; with `wipe`, deletes the history and facts instead. */
  resetConversation(agentId: number, options: { dropFacts: boolean; wipe: boolean }): Promise<void>;
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
}

export interface TurnResult {
  status: 'done' | 'failed';
  error?: string;
  /** The newest message id the turn's context included. */
  seenThroughId?: number;
  /** The answer to store, and what the call that wrote it used: stored with the turn's end, at once. */
  answer?: { message: NewMessage; usage: UsageRecord };
}

export interface WorkQueue {
  /** Claims the longest-waiting queued agent, or one whose lease expired (resuming its turn). */
  claimNext(owner: string, leaseMs: number): Promise<Claim | null>;
  /** Extends the lease; false when it was lost (another process took the agent). */
  renewLease(agentId: number, owner: string, leaseMs: number): Promise<boolean>;
  /** Lets the leases of this owner's running turns expire now, so another process resumes them at once. */
  releaseLeases(owner: string): Promise<number>;
  /**
   * Ends the turn in one atomic step: stores its answer and usage, and frees the agent (queued
   * again if woken during the turn, else idle).
   * @returns whether the agent was queued again.
   */
  finish(claim: Claim, owner: string, outcome: TurnResult): Promise<boolean>;
}

export interface MessageStore {
  append(agent: Agent, messages: NewMessage[]): Promise<StoredMessage[]>;
  /** Messages with `afterId < id < beforeId`, newest first. */
  newestMessages(agentId: number, options: { afterId: number; beforeId?: number; limit: number }): Promise<StoredMessage[]>;
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

export interface OutboxStore {
  postedChunks(turnId: number): Promise<PostedChunk[]>;
  /** Records a chunk as posted (or edited) with the Discord message that shows it. */
  recordPosted(chunk: PostedChunk & { turnId: number; agent: Agent; nonce: string }): Promise<void>;
  removeChunk(turnId: number, chunkIndex: number): Promise<void>;
}

export interface UsageRecord extends TokenUsage {
  agent: Agent;
  userId: string | null;
  model: string;
  purpose: 'turn' | 'summary';
}

export interface UsageStore {
  record(entry: UsageRecord): Promise<void>;
  /** Totals for a channel, a guild, or one user's DMs; "today" is the UTC day. */
  totals(scope: { channelId: string } | { guildId: string } | { dmUserId: string }): Promise<UsageTotals>;
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
}
