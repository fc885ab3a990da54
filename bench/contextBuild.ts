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
  /** Median build() time, and of it the time the stores were reading (reads run together). */
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
  /** The long history with the small one's window: the same prompt, a thousand times the stored messages. */
  sameWindow: ContextCase;
  /**
   * The long history in the states the summariser leaves it in, from just after a fold (half
   * the trigger unsummarised) to just before the next (the whole trigger): the prompt grows
   * with the unsummarised tail, not with what is stored.
   */
  foldCycle: ContextCase[];
  /** sameWindow / small: what storing 1,000 times more messages costs a build. */
  ratio: number;
}

/** Points of the fold cycle measured, as shares of the trigger left unsummarised. */
const CYCLE_POINTS = [0.5, 0.625, 0.75, 0.875, 1];
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
  private pending = 0;
  private busySince = 0;

  constructor(inner: { messages: MessageStore; memory: MemoryStore }) {
    this.messages = { ...bindAll(inner.messages), newestMessages: (agentId, options) => this.time(() => inner.messages.newestMessages(agentId, options)) };
    this.memory = { ...bindAll(inner.memory), facts: (agentId, limit) => this.time(() => inner.memory.facts(agentId, limit)) };
  }

  reset(): void {
    this.ms = this.calls = this.rows = 0;
  }

  /** Counts the wall time during which at least one read was on its way. */
  private async time<T extends unknown[]>(read: () => Promise<T>): Promise<T> {
    if (this.pending++ === 0) this.busySince = performance.now();
    try {
      const rows = await read();
      this.calls += 1;
      this.rows += rows.length;
      return rows;
    } finally {
      if (--this.pending === 0) this.ms += performance.now() - this.busySince;
    }
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
 * a short history and one with a very long history, folded as the bot would have folded it.
 */
export async function runContextPhase(
  database: DatabaseHandle,
  context: Config['context'],
  options: { smallMessages: number; largeMessages: number; builds: number },
): Promise<ContextResult> {
  const stores = createEngineStores(database.db, { helperResultMaxTokens: 1000 });
  const persona = defaultPersona('gpt-4o-mini');
  const createAgent = (name: string) => stores.agents.getOrCreateChannelAgent({ guildId: '900000000000000001', channelId: name }, persona);
  const [small, large] = [await createAgent('context-small'), await createAgent('context-large')];
  await insertConversation(database, small, options.smallMessages);
  await insertConversation(database, large, options.largeMessages);
  const summary = summaryText(context.tokenBudget * SUMMARY_SHARE);
  const trigger = context.summaryTrigger * context.tokenBudget;
  // Each state of the long channel is the agent with its summary and cursor where the bot's would be.
  const largeAt = (summaryThroughId: number) => ({ ...large, summary, summaryThroughId });
  const cases = [
    { label: 'small', agent: small, stored: options.smallMessages },
    { label: 'same window', agent: largeAt(await nthNewestId(stores.messages, large.id, options.smallMessages)), stored: options.largeMessages },
    ...(await Promise.all(
      CYCLE_POINTS.map(async (share) => ({
        label: `tail ${Math.round(share * 100)}% of trigger`,
        agent: largeAt(await summaryCursor(database, large.id, share * trigger)),
        stored: options.largeMessages,
      })),
    )),
  ];

  const timed = new TimedStores(stores);
  // As a turn builds it: the same budget, the persona's tools, no images.
  const builder = new ContextBuilder(timed, { tokenBudget: context.tokenBudget });
  const tools = createToolbox().forPersona(persona.tools).specs();
  const samples = cases.map(() => ({ total: [] as number[], store: [] as number[] }));
  // Interleaved, so that drift (autovacuum, a checkpoint, other processes) weighs on all alike.
  for (let round = 0; round < WARMUP_BUILDS + options.builds; round++) {
    for (const [index, item] of cases.entries()) {
      timed.reset();
      const startedAt = performance.now();
      await builder.build(item.agent, tools);
      if (round < WARMUP_BUILDS) continue;
      samples[index]!.total.push(performance.now() - startedAt);
      samples[index]!.store.push(timed.ms);
    }
  }
  const results: ContextCase[] = [];
  for (const [index, item] of cases.entries()) {
    timed.reset();
    const built = await builder.build(item.agent, tools);
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
  const [smallCase, sameWindow, ...foldCycle] = results as [ContextCase, ContextCase, ...ContextCase[]];
  return { small: smallCase, sameWindow, foldCycle, ratio: sameWindow.buildMs / smallCase.buildMs };
}

/** The id just before the `count` newest messages: a cursor that leaves exactly those. */
async function nthNewestId(messages: MessageStore, agentId: number, count: number): Promise<number> {
  const newest = await messages.newestMessages(agentId, { afterId: 0, limit: count + 1 });
  return newest.at(-1)?.id ?? 0;
}
