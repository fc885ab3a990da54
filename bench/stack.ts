import { BotChild } from './botChild.js';
import { type DiscordEmulator, type LoggedEvent, startDiscordEmulator } from '../src/discordEmulator/emulator.js';
import { type FakeLlm, type StartFakeLlmOptions, startFakeLlm } from '../test/support/llm/fakeLlmServer.js';
import type { BenchSettings } from './settings.js';
import { type TurnSample, TurnTracker } from './tracker.js';

/**
 * The emulator and the scripted model in this process, the real app in its own (as in
 * production, so that its figures are its own), wired to a tracker.
 */
export interface Stack {
  readonly discord: DiscordEmulator;
  readonly llm: FakeLlm;
  readonly bot: BotChild;
  readonly tracker: TurnTracker;
  readonly channelIds: readonly string[];
  /** Posts a message mentioning the bot as alice; returns its sample. */
  send(channelId: string): TurnSample;
  stop(): Promise<void>;
}

/** Far above what one process can send: discord.js then never waits on its own global limit. */
const UNLIMITED_REST_RPS = '100000';
/** One streamed text chunk per reply: no model latency, and no streaming edits to pay for. */
const WORDS_PER_CHUNK = 10_000;
/** The emulator keeps this many events and REST records for diagnostics; less is cheaper. */
const EMULATOR_LOG_LIMIT = 2000;

export async function startStack(settings: BenchSettings, databaseUrl: string): Promise<Stack> {
  const { discord, llm } = await startEdges({ brain: 'demo', wordsPerChunk: WORDS_PER_CHUNK }, EMULATOR_LOG_LIMIT);
  const { guildId, alice } = discord.seed;
  // Channels exist before the bot connects, so they arrive with its GUILD_CREATE.
  const channelIds = Array.from({ length: settings.channels }, (_, index) => discord.createChannel({ guildId, name: `bench-${index}` }).id);
  const tracker = new TurnTracker(discord.bot.id);
  const stopTap = tapEvents(discord, (event) => tracker.onEmulatorEvent(event));
  let bot: BotChild;
  try {
    const overrides = {
      ...(settings.concurrency !== undefined && { WORKER_CONCURRENCY: String(settings.concurrency) }),
      ...(settings.streamEditIntervalMs !== undefined && { STREAM_EDIT_INTERVAL_MS: String(settings.streamEditIntervalMs) }),
    };
    bot = await BotChild.start(appEnv(discord, llm, databaseUrl, overrides), (report) => tracker.onTurnFinished(report));
  } catch (error) {
    await stopTap();
    await Promise.all([discord.close(), llm.close()]);
    throw error;
  }
  return {
    discord,
    llm,
    bot,
    tracker,
    channelIds,
    send(channelId) {
      const { sample, content } = tracker.prepare(channelId);
      discord.userSays({ channelId, authorId: alice.id, content });
      return sample;
    },
    async stop() {
      try {
        await bot.stop();
      } finally {
        await stopTap();
        await Promise.all([discord.close(), llm.close()]);
      }
    },
  };
}

/**
 * The emulator (sending no rate-limit headers at all, so discord.js never throttles itself, as on
 * an unlimited Discord) and the fake model, both in this process.
 */
export async function startEdges(llmOptions: StartFakeLlmOptions, logLimit: number): Promise<{ discord: DiscordEmulator; llm: FakeLlm }> {
  const [discord, llm] = await Promise.all([startDiscordEmulator({ rateLimits: { defaultBucket: null }, logLimit }), startFakeLlm(llmOptions)]);
  return { discord, llm };
}

/**
 * The bot's environment: the production defaults except where the bench needs otherwise, and
 * `overrides` (a bench's own settings). No slash commands are deployed: chat messages do not need them.
 */
export function appEnv(discord: DiscordEmulator, llm: FakeLlm, databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_REST_REQUESTS_PER_SECOND: UNLIMITED_REST_RPS,
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_API_KEY: 'bench',
    DEFAULT_MODEL: 'gpt-4o-mini',
    DATABASE_URL: databaseUrl,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    // Only what went wrong reaches the bench's output (a failed turn, a lost lease).
    LOG_LEVEL: 'warn',
    // One person (alice) sends every message: the per-person limit would keep most of them waiting.
    USER_TURNS_PER_MINUTE: '0',
    ...overrides,
  };
}

/**
 * Calls `listener` for every emulator event. The emulator has no plain subscription in its
 * public API, so this is a `waitForEvent` whose predicate never matches until stopped; stopping
 * emits one harmless event (a typing indicator) so that the wait resolves and clears its timer.
 */
export function tapEvents(discord: DiscordEmulator, listener: (event: LoggedEvent) => void): () => Promise<void> {
  let stopped = false;
  const done = discord
    .waitForEvent(
      (event) => {
        if (stopped) return true;
        listener(event);
        return false;
      },
      { timeoutMs: 2 ** 31 - 1 },
    )
    .then(
      () => undefined,
      () => undefined,
    );
  return async () => {
    stopped = true;
    discord.userTypes({ channelId: discord.seed.generalId, userId: discord.seed.alice.id });
    await done;
  };
}
