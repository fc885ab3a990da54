import { ContextBuilder } from '../src/agents/context.js';
import { defaultPersona } from '../src/agents/persona.js';
import type { MemoryStore, MessageStore } from '../src/agents/ports.js';
import { countTextTokens } from '../src/agents/tokens.js';
import { createToolbox } from '../src/agents/tools/index.js';
import type { Config } from '../src/config.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { createEngineStores } from '../src/db/repositories/index.js';
import { insertConversation, summaryCursor, summaryText } from './conversation.js';
import { median } from './stats.js';

export interface ContextCase {
  label: string;
  storedMessages: number;
  /** Median build() time, and of it the time inside the two stores it reads. */
  buildMs: number;
  storeMs: number;
  /** Per build: store calls and rows they returned. */
  storeCalls: number;
  rowsFetched: number;
  /** What the prompt held: messages (persona and memory included) and tokens. */
  promptMessages: number;
  promptTokens: number;
  summaryTokens: number;
}

export interface ContextResult {
  small: ContextCase;
  large: ContextCase;
  /** The large history with the small one's unsummarised tail: what the stored count alone costs. */
  largeShortTail: ContextCase;
  ratio: number;
}

/** The summariser keeps its summary to this share of the budget (SUMMARY_SHARE in summarizer.ts). */
const SUMMARY_SHARE = 0.15;
const WARMUP_BUILDS = 30;

/** The stores the builder reads, timed: how much of a build is the database. */
class TimedStores {
  ms = 0;
  calls = 0;
  rows = 0;
  readonly messages: MessageStore;
  readonly memory: MemoryStore;

  constructor(inner: { messages: MessageStore; memory: MemoryStore }) {
    this.messages = { ...bindAll(inner.messages), newestMessages: (agentId, options) => this.time(inner.messages.newestMessages(agentId, options)) };
    this.memory = { ...bindAll(inner.memory), facts: (agentId, limit) => this.time(inner.memory.facts(agentId, limit)) };
  }

  reset(): void {
    this.ms = this.calls = this.rows = 0;
  }

  private async time<T extends unknown[]>(pending: Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const rows = await pending;
    this.ms += performance.now() - startedAt;
    this.calls += 1;
    this.rows += rows.length;
    return rows;
  }
}

/** A repository's methods bound to it, so that a spread copy still works. */
function bindAll<T extends object>(store: T): T {
  const prototype = Object.getPrototypeOf(store) as Record<string, unknown>;
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const value = prototype[name];
    if (name !== 'constructor' && typeof value === 'function') bound[name] = (value as (...args: unknown[]) => unknown).bind(store);
  }
  return bound as T;
}

/**
 * Times ContextBuilder.build() — the real repositories on the real server — for a channel with
 * a short history and one with a long history folded as the bot would have folded it.
 */
export async function runContextPhase(
  database: DatabaseHandle,
  context: Config['context'],
  options: { smallMessages: number; largeMessages: number; builds: number },
): Promise<ContextResult> {
  const stores = createEngineStores(database.db);
  const persona = defaultPersona('gpt-4o-mini');
  const createAgent = (name: string) => stores.agents.getOrCreateChannelAgent({ guildId: '900000000000000001', channelId: name }, persona);
  const [small, large] = [await createAgent('context-small'), await createAgent('context-large')];
  await insertConversation(database, small, options.smallMessages);
  await insertConversation(database, large, options.largeMessages);
  // Folded as the bot would: a history under the trigger stays whole, a longer one is summarised.
  for (const agent of [small, large]) {
    const through = await summaryCursor(database, agent.id, context.summaryTrigger * context.tokenBudget);
    if (through > 0) await stores.memory.saveSummary(agent.id, summaryText(context.tokenBudget * SUMMARY_SHARE), through);
  }
  const [smallAgent, largeAgent] = await Promise.all([small, large].map(async (agent) => (await stores.agents.getById(agent.id))!));
  // Same summary, but only as many unsummarised messages as the small channel has.
  const shortTail = { ...largeAgent!, summaryThroughId: await nthNewestId(stores.messages, largeAgent!.id, options.smallMessages) };

  const timed = new TimedStores(stores);
  // As a turn builds it: the same budget, the persona's tools, no images.
  const builder = new ContextBuilder(timed, { tokenBudget: context.tokenBudget });
  const tools = createToolbox().forPersona(persona.tools).specs();
  const cases = [
    { label: 'small', agent: smallAgent!, stored: options.smallMessages },
    { label: 'large', agent: largeAgent!, stored: options.largeMessages },
    { label: 'large, short tail', agent: shortTail, stored: options.largeMessages },
  ];
  const samples = cases.map(() => ({ total: [] as number[], store: [] as number[] }));
  // Interleaved, so that drift (autovacuum, a checkpoint, other processes) weighs on all alike.
  for (let round = 0; round < WARMUP_BUILDS + options.builds; round++) {
    for (const [index, item] of cases.entries()) {
      timed.reset();
      const startedAt = performance.now();
      await builder.build(item.agent, tools, {});
      if (round < WARMUP_BUILDS) continue;
      samples[index]!.total.push(performance.now() - startedAt);
      samples[index]!.store.push(timed.ms);
    }
  }
  const results: ContextCase[] = [];
  for (const [index, item] of cases.entries()) {
    timed.reset();
    const built = await builder.build(item.agent, tools, {});
    results.push({
      label: item.label,
      storedMessages: item.stored,
      buildMs: median(samples[index]!.total),
      storeMs: median(samples[index]!.store),
      storeCalls: timed.calls,
      rowsFetched: timed.rows,
      promptMessages: built.messages.length,
      promptTokens: built.promptTokens,
      summaryTokens: item.agent.summary ? countTextTokens(item.agent.summary) : 0,
    });
  }
  const [smallCase, largeCase, shortTailCase] = results as [ContextCase, ContextCase, ContextCase];
  return {
    small: smallCase,
    large: largeCase,
    largeShortTail: shortTailCase,
    ratio: largeCase.buildMs / smallCase.buildMs,
  };
}

/** The id just before the `count` newest messages: a cursor that leaves exactly those. */
async function nthNewestId(messages: MessageStore, agentId: number, count: number): Promise<number> {
  const newest = await messages.newestMessages(agentId, { afterId: 0, limit: count + 1 });
  return newest.at(-1)?.id ?? 0;
}
