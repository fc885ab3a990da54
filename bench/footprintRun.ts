import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase } from './database.js';
import { withCleanup } from './footprintCleanup.js';
import { type ChatFigures, type IdleFigures, type StartFigures, measureIdle, sendMessages, withBot } from './footprintPhases.js';
import type { FootprintMode, FootprintSettings } from './footprintSettings.js';
import { appEnv, startEdges, tapEvents } from './stack.js';
import { TurnTracker } from './tracker.js';

/** One run of one mode: a first start on nothing, and a restart on what it left. */
export interface ModeRun {
  readonly mode: FootprintMode;
  readonly first: StartFigures;
  readonly restart: StartFigures;
  /** SIGTERM → exit, after the first start and after the restart. */
  readonly stopMs: { readonly first: number; readonly restart: number };
  /** The messages after the first start, and the idle windows after them and after the restart (not in the playground). */
  readonly chat?: ChatFigures;
  readonly idle?: IdleFigures;
  readonly restartIdle?: IdleFigures;
}

const READY = 'matryoshka ready';
const PLAYGROUND_READY = 'playground ready';
/** One streamed chunk per reply, as in bench:turn: no streaming edits to pay for. */
const WORDS_PER_CHUNK = 10_000;
/** Emulator events and REST records kept for diagnostics: a few per message. */
const EMULATOR_LOG_LIMIT = 2000;

/**
 * The settings every mode shares. Empty counts as unset (config.ts) and, unlike leaving a variable
 * out, wins over a `.env` in the repository. LOG_LEVEL=info: the ready line and the milestones
 * before it are info lines.
 */
function commonEnv(dataDir: string): Record<string, string> {
  return { DATA_DIR: dataDir, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info' };
}

/** The bot on the emulator and the scripted model of this process, as bench:turn runs it; `databaseUrl` empty for PGlite. */
async function runOnEmulator(settings: FootprintSettings, mode: FootprintMode, dataDir: string, databaseUrl: string): Promise<ModeRun> {
  const { discord, llm } = await startEdges({ brain: 'demo', wordsPerChunk: WORDS_PER_CHUNK }, EMULATOR_LOG_LIMIT);
  // Before the bot connects, so that the channel arrives with its GUILD_CREATE.
  const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: 'footprint' }).id;
  const tracker = new TurnTracker(discord.bot.id);
  const stopTap = tapEvents(discord, (event) => tracker.onEmulatorEvent(event));
  try {
    const env = appEnv(discord, llm, databaseUrl, { ...commonEnv(dataDir), PLAYGROUND: '0' });
    const first = await withBot(env, READY, async (bot) => {
      const chat = await sendMessages(bot, { discord, tracker, channelId }, settings.messages);
      return { chat, idle: await measureIdle(bot, settings.idleSeconds, settings.idleSettleSeconds) };
    });
    const restart = await withBot(env, READY, (bot) => measureIdle(bot, settings.idleSeconds, settings.idleSettleSeconds));
    return {
      mode,
      first: first.start,
      restart: restart.start,
      stopMs: { first: first.stopMs, restart: restart.stopMs },
      chat: first.result.chat,
      idle: first.result.idle,
      restartIdle: restart.result,
    };
  } finally {
    await stopTap();
    await Promise.all([discord.close(), llm.close()]);
  }
}

/** The playground as a person first runs it: no token, no model (the demo brain), its own emulator. */
async function runPlayground(dataDir: string): Promise<ModeRun> {
  const env = { ...commonEnv(dataDir), PLAYGROUND: '1', PLAYGROUND_PORT: '0', DISCORD_TOKEN: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: '', DATABASE_URL: '' };
  const first = await withBot(env, PLAYGROUND_READY, async () => undefined);
  const restart = await withBot(env, PLAYGROUND_READY, async () => undefined);
  return { mode: 'playground', first: first.start, restart: restart.start, stopMs: { first: first.stopMs, restart: restart.stopMs } };
}

/** One run of `mode`, on a fresh empty data folder (and, for the server, a fresh empty database), removed afterwards. */
export function runMode(settings: FootprintSettings, mode: FootprintMode): Promise<ModeRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'matryoshka-footprint-'));
  return withCleanup(
    () => rmSync(dataDir, { recursive: true, force: true }),
    async () => {
      if (mode === 'playground') return runPlayground(dataDir);
      if (mode === 'pglite') return runOnEmulator(settings, mode, dataDir, '');
      // Not migrated: the bot applies its migrations itself, as on a real first start.
      const database = await createBenchDatabase(settings.serverUrl, { prefix: 'matryoshka_footprint', migrate: false });
      return withCleanup(
        () => database.drop(),
        () => runOnEmulator(settings, mode, dataDir, database.url),
      );
    },
  );
}
