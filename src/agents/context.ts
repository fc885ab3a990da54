import type { MemoryStore, MessageStore, PromptMessage, ToolSpec } from './ports.js';
import { renderMessage } from './promptMessages.js';
import { IMAGE_PART_TOKENS, REQUEST_OVERHEAD_TOKENS, clipToTokens, countMessageTokens, countTextTokens, withSafetyMargin } from './tokens.js';
import type { Agent, Fact, StoredMessage } from './types.js';

export interface ContextLimits {
  /** Prompt tokens per turn, everything included. */
  tokenBudget: number;
}

export interface BuiltContext {
  messages: PromptMessage[];
  /** The prompt's size with the safety margin, as compared against the budget. */
  promptTokens: number;
  /** Whether stored messages were left out for lack of room. */
  omittedMessages: boolean;
  /** The newest stored message the context holds (0 when none). */
  newestMessageId: number;
  /** The oldest stored message the prompt includes (undefined when it includes none). */
  oldestIncludedId: number | undefined;
}

/** Shares of the budget that facts and the summary may take, so history always has room. */
const FACTS_SHARE = 0.15;
const SUMMARY_SHARE = 0.2;
const MAX_FACTS = 200;
/** Rows of the first read of the window: most windows fit in one. */
const FIRST_PAGE = 200;
const MAX_PAGE = 2000;

/**
 * Assembles a prompt within the token budget: the persona (a stable prefix, for provider prompt
 * caching), facts and the rolling summary, then the newest messages that fit. Each stored
 * message carries its token count, so no history is re-tokenised and the cost does not grow
 * with the length of the conversation.
 */
export class ContextBuilder {
  private readonly tokenCache = new Map<string, number>();
  /** Tool lists are built once per toolbox (see Toolbox.specs), so the list itself is the key. */
  private readonly toolTokens = new WeakMap<ToolSpec[], number>();

  constructor(
    private readonly stores: { messages: MessageStore; memory: MemoryStore },
    private readonly limits: ContextLimits,
  ) {}

  /**
   * @param options.imagesAfterId images of user messages newer than this are shown; no images
   *   when undefined. Discord's CDN links expire: only the current turn's messages show theirs.
   * @param options.seenThroughId within a turn: user messages newer than this arrived during the
   *   turn and are left for the next one.
   */
  async build(
    agent: Agent,
    tools: ToolSpec[],
    options: { imagesAfterId?: number; seenThroughId?: number } = {},
  ): Promise<BuiltContext> {
    const persona: PromptMessage = { role: 'system', content: personaPrompt(agent) };
    const budget = this.limits.tokenBudget;
    // Read together: the window is fetched for the room left without the memory (a little
    // more than the prompt can hold), and cut to what fits below.
    const [facts, window] = await Promise.all([
      this.stores.memory.facts(agent.id, MAX_FACTS),
      this.recentWindow(agent, budget - REQUEST_OVERHEAD_TOKENS - this.cachedCount([persona], tools), options.seenThroughId),
    ]);
    const memory = memoryPrompt(facts, agent.summary, budget, (text) => this.cached(`text\u0000${text}`, () => countTextTokens(text)));
    const fixed = [persona, ...(memory ? [memory] : [])];
    let used = REQUEST_OVERHEAD_TOKENS + this.cachedCount(fixed, tools);

    const history: PromptMessage[] = [];
    const group: PromptMessage[] = [];
    let groupTokens = 0;
    let omitted = false;
    let oldestIncludedId: number | undefined;
    for (const message of window.messages) {
      const images = options.imagesAfterId !== undefined && message.id > options.imagesAfterId ? imageUrls(message) : [];
      group.unshift(renderMessage(message, images));
      groupTokens += message.tokenCount + images.length * IMAGE_PART_TOKENS;
      // A tool result cannot stand without the assistant message that called the tool.
      if (message.role === 'tool') continue;
      // Nor a call without all its results (a turn stopped between them): both are left out.
      if (!hasAllResults(message, group)) {
        group.length = 0;
        groupTokens = 0;
        continue;
      }
      if (withSafetyMargin(used + groupTokens) > budget) {
        omitted = true;
        break;
      }
      history.unshift(...group);
      used += groupTokens;
      oldestIncludedId = Math.min(oldestIncludedId ?? message.id, message.id);
      group.length = 0;
      groupTokens = 0;
    }
    omitted ||= window.truncated;
    const newestMessageId = window.messages.reduce((newest, message) => Math.max(newest, message.id), 0);
    if (history.length === 0 && omitted) {
      const squeezed = squeezeNewest(group, budget - withSafetyMargin(used));
      if (squeezed) {
        history.push(squeezed.message);
        used += squeezed.tokens;
      }
    }
    return { messages: [...fixed, ...history], promptTokens: withSafetyMargin(used), omittedMessages: omitted, newestMessageId, oldestIncludedId };
  }

  /**
   * The newest messages after the summary, fetched by id until they more than fill `room`
   * tokens (so the ones that fit are certainly among them), then put in conversation order.
   */
  private async recentWindow(agent: Agent, room: number, seenThroughId: number | undefined) {
    const afterId = Math.max(agent.historyStartId, agent.summaryThroughId);
    const wanted = room * 1.5;
    const fetched: StoredMessage[] = [];
    let tokens = 0;
    let rows = 0;
    let beforeId: number | undefined;
    let truncated = false;
    for (let limit = FIRST_PAGE; ; ) {
      const page = await this.stores.messages.newestMessages(agent.id, { afterId, beforeId, limit });
      rows += page.length;
      for (const message of page) {
        if (seenThroughId !== undefined && message.role === 'user' && message.id > seenThroughId) continue;
        // An answer stored just after a /reset belongs to the conversation before it.
        if ((message.seenThroughId ?? message.id) <= agent.historyStartId) continue;
        fetched.push(message);
        tokens += message.tokenCount;
      }
      if (page.length < limit) break;
      if (tokens > wanted) {
        truncated = true;
        break;
      }
      // The next read sized by what the rows so far weigh, so that it is most likely the last.
      const tokensPerRow = Math.max(1, tokens / rows);
      limit = Math.min(MAX_PAGE, Math.max(FIRST_PAGE, Math.ceil((wanted - tokens) / tokensPerRow) + 1));
      beforeId = page.at(-1)!.id;
    }
    return { messages: fetched.sort(conversationOrder), truncated };
  }

  /** Persona, memory and tool schemas repeat turn after turn: count each text once. */
  private cachedCount(messages: PromptMessage[], tools: ToolSpec[]): number {
    let total = 0;
    for (const message of messages) total += this.cached(`${message.role}\u0000${message.content as string}`, () => countMessageTokens(message));
    if (tools.length > 0) {
      let toolTokens = this.toolTokens.get(tools);
      if (toolTokens === undefined) {
        toolTokens = countTextTokens(JSON.stringify(tools));
        this.toolTokens.set(tools, toolTokens);
      }
      total += toolTokens;
    }
    return total;
  }

  private cached(key: string, count: () => number): number {
    let value = this.tokenCache.get(key);
    if (value === undefined) {
      if (this.tokenCache.size > 1000) this.tokenCache.clear();
      value = count();
      this.tokenCache.set(key, value);
    }
    return value;
  }
}

/**
 * Conversation order, newest first. A turn's answer is stored after it finishes, so its id can be
 * higher than a message that arrived meanwhile; it belongs right after what the turn had seen.
 */
export function conversationOrder(a: StoredMessage, b: StoredMessage): number {
  return (b.seenThroughId ?? b.id) - (a.seenThroughId ?? a.id) || b.id - a.id;
}

/** Whether every tool call of an assistant message has its result among the messages after it. */
function hasAllResults(message: StoredMessage, group: PromptMessage[]): boolean {
  if (!message.toolCalls || message.toolCalls.length === 0) return true;
  const answered = new Set(group.flatMap((rendered) => (rendered.role === 'tool' ? [rendered.tool_call_id] : [])));
  return message.toolCalls.every((call) => answered.has(call.id));
}

function imageUrls(message: StoredMessage): string[] {
  if (message.role !== 'user') return [];
  return (message.attachments ?? []).filter((item) => item.kind === 'image' && item.url).map((item) => item.url!);
}

/** When even the newest message does not fit, its text is cut to what does. */
function squeezeNewest(group: PromptMessage[], room: number): { message: PromptMessage; tokens: number } | null {
  const newest = group.at(-1);
  if (!newest || newest.role !== 'user') return null;
  const text = typeof newest.content === 'string' ? newest.content : newest.content.map((part) => ('text' in part ? part.text : '')).join('');
  for (let characters = Math.floor(room * 2.4); characters > 0; characters = Math.floor(characters * 0.8)) {
    const message: PromptMessage = { role: 'user', content: `${text.slice(0, characters)}… [cut to fit the context]` };
    const tokens = countMessageTokens(message);
    if (withSafetyMargin(tokens) <= room) return { message, tokens };
  }
  return null;
}

function personaPrompt(agent: Agent): string {
  if (agent.kind === 'helper') return `${agent.persona.instructions}\n\n${agent.briefing ?? ''}`;
  return `${agent.persona.instructions}\n\nYour name is ${agent.persona.name}. You are talking in a Discord channel.`;
}

/** Facts (newest kept first) and the summary, each held to its share of the budget. */
function memoryPrompt(facts: Fact[], summary: string | null, budget: number, countTokens: (text: string) => number): PromptMessage | null {
  const sections: string[] = [];
  const factLines: string[] = [];
  let factTokens = 0;
  for (const fact of [...facts].reverse()) {
    const line = `- [#${fact.id}] ${fact.content}`;
    factTokens += countTokens(line) + 1;
    if (factTokens > budget * FACTS_SHARE) break;
    factLines.unshift(line);
  }
  if (factLines.length > 0) sections.push(`Facts you remember (ids in brackets):\n${factLines.join('\n')}`);
  if (summary) {
    const limit = budget * SUMMARY_SHARE;
    sections.push(`Summary of the earlier conversation:\n${countTokens(summary) <= limit ? summary : clipToTokens(summary, limit)}`);
  }
  return sections.length > 0 ? { role: 'system', content: sections.join('\n\n') } : null;
}
