import { BotChild } from './botChild.js';
import type { DiscordEmulator, RestRequestRecord } from '../src/discordEmulator/emulator.js';
import type { FakeLlm } from '../test/support/llm/fakeLlmServer.js';
import { type RunTimeline, type ShapeSpec, SpawnScript } from './spawnScript.js';
import { appEnv, startEdges } from './stack.js';

/**
 * The stack of `bench:spawn` (the emulator and the scripted model here, the real app in its own
 * process, as bench:turn has it) and one run of a scenario: a person asks the channel agent, the
 * tree works, and the run is over once the channel agent's combined answer landed, every turn
 * reported its end and every helper's header shows it done.
 */
export interface SpawnStack {
  readonly discord: DiscordEmulator;
  readonly llm: FakeLlm;
  readonly bot: BotChild;
  readonly script: SpawnScript;
  /** Turns the app's hook reported finished, and those that did not end `done`. */
  readonly turns: { finished: number; notDone: number };
  stop(): Promise<void>;
}

export interface SpawnStackOptions {
  /** The bot's WORKER_CONCURRENCY; unset keeps the production default. */
  concurrency: number | undefined;
  /** Channels to create before the bot connects (one per run: each run's channel agent starts fresh). */
  channels: number;
}

/**
 * The limits a tree of 25 needs, and nothing else changed: 25 helpers live at once, a tree budget
 * whose fifth (each depth-1 child's) still leaves four shares of at least HELPER_MIN_BUDGET after
 * the child keeps CONTEXT_TOKEN_BUDGET + REPLY_TOKEN_RESERVE for itself, a guild's daily helper
 * tokens that a few hundred helpers do not exhaust (the per-person limit is off in every bench:
 * stack.ts).
 */
const HELPER_LIMITS = {
  HELPER_MAX_LIVE_PER_GUILD: '100',
  HELPER_TREE_TOKEN_BUDGET: '1000000',
  HELPER_GUILD_DAILY_TOKENS: '1000000000',
};
/** One streamed chunk per reply, as in bench:turn. */
const WORDS_PER_CHUNK = 10_000;
/** REST records kept by the emulator: far more than one run makes (each run counts its own). */
const EMULATOR_LOG_LIMIT = 10_000;

export async function startSpawnStack(options: SpawnStackOptions, databaseUrl: string): Promise<SpawnStack & { channelIds: string[] }> {
  const script = new SpawnScript();
  // brain 'none': a call the script does not answer fails loudly instead of echoing.
  const { discord, llm } = await startEdges({ brain: 'none', wordsPerChunk: WORDS_PER_CHUNK }, EMULATOR_LOG_LIMIT);
  llm.respondWith(script.respond);
  const channelIds = Array.from({ length: options.channels }, (_, index) => discord.createChannel({ guildId: discord.seed.guildId, name: `spawn-${index}` }).id);
  const turns = { finished: 0, notDone: 0 };
  const env = appEnv(discord, llm, databaseUrl, {
    ...HELPER_LIMITS,
    BENCH_COUNT_STATEMENTS: '1',
    ...(options.concurrency !== undefined && { WORKER_CONCURRENCY: String(options.concurrency) }),
  });
  let bot: BotChild;
  try {
    bot = await BotChild.start(env, (report) => {
      turns.finished += 1;
      if (report.status !== 'done') turns.notDone += 1;
    });
  } catch (error) {
    await Promise.all([discord.close(), llm.close()]);
    throw error;
  }
  return {
    discord,
    llm,
    bot,
    script,
    turns,
    channelIds,
    async stop() {
      try {
        await bot.stop();
      } finally {
        await Promise.all([discord.close(), llm.close()]);
      }
    },
  };
}

/** Helpers in a run's tree. */
export function helpersOf(spec: ShapeSpec): number {
  return spec.children * (1 + spec.grandchildren);
}

/** Turns a run makes: the channel agent's two (spawn, results), a spawning helper's two, a leaf's one. */
function turnsOf(spec: ShapeSpec): number {
  const spawning = spec.grandchildren > 0 ? spec.children : 0;
  return 2 + spawning * 2 + (helpersOf(spec) - spawning);
}

export interface RunResult {
  timeline: RunTimeline;
  /** The person's message posted → the channel agent's combined answer stored by the emulator. */
  answerMs: number;
  /** The REST requests the bot made during the run. */
  rest: RestRequestRecord[];
  /** Turns that reported their end during the run. */
  turns: number;
}

const ANSWER_TIMEOUT_MS = 60_000;
/**
 * Header edits share their channel's rate (HEADER_EDITS_PER_CHANNEL_SECOND): a tree of 25 needs at
 * least 12.5 s for every header's last edit after the tree ends.
 */
const SETTLE_TIMEOUT_MS = 60_000;

export async function runOnce(stack: SpawnStack, spec: ShapeSpec, channelId: string, run: number): Promise<RunResult> {
  const { discord, script, turns } = stack;
  const botId = discord.bot.id;
  const { content, timeline } = script.begin(spec, run);
  const restMark = discord.restRequests.at(-1);
  const turnsBefore = turns.finished;
  const sentAt = performance.now();
  const sent = discord.userSays({ channelId, authorId: discord.seed.alice.id, content: `<@${botId}> ${content}` });
  try {
    await discord.waitForMessage((message) => message.channel_id === channelId && message.author.id === botId && message.content.startsWith(`Combined ${timeline.mark}`), {
      after: sent.id,
      timeoutMs: ANSWER_TIMEOUT_MS,
    });
    const answerMs = performance.now() - sentAt;
    const helpers = helpersOf(spec);
    const doneHeaders = () =>
      discord.channelMessages(channelId).filter((message) => message.author.id === botId && message.content.startsWith('🪆') && message.content.includes('done ✓')).length;
    await discord.waitFor(() => (turns.finished - turnsBefore >= turnsOf(spec) && doneHeaders() >= helpers) || undefined, {
      timeoutMs: SETTLE_TIMEOUT_MS,
      description: `${timeline.mark}: every turn reported and all ${helpers} headers marked done`,
    });
    const records = discord.restRequests;
    const rest = records.slice(restMark ? records.lastIndexOf(restMark) + 1 : 0);
    return { timeline, answerMs, rest, turns: turns.finished - turnsBefore };
  } finally {
    script.end(timeline);
  }
}
