import { dirname } from 'node:path';
import type { APIMessage } from 'discord-api-types/v10';
import { type App, startApp } from '../../../src/app.js';
import { deployCommands } from '../../../src/commands/deployCommands.js';
import { loadConfig } from '../../../src/config.js';
import type { ReceiveResult } from '../../../src/agents/chatService.js';
import type { DriverName } from '../../../src/db/database.js';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { type TestDatabase, createTestDatabase } from '../db/testDatabase.js';
import { type CommandInvocationSpec, type DiscordEmulator, type InteractionResponses, startDiscordEmulator } from '../../../src/discordEmulator/emulator.js';
import { type FakeLlm, startFakeLlm } from '../llm/fakeLlmServer.js';

/**
 * Everything an end-to-end test needs: the Discord emulator, the scripted model server, a
 * database of its own, and bots — the real application, wired exactly as `npm start` wires it,
 * started in-process (or as a child process by the tests that kill one).
 */
export interface BotHarness {
  discord: DiscordEmulator;
  llm: FakeLlm;
  database: TestDatabase;
  driver: DriverName;
  /** The environment a bot process is started with (overrides on top). */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** Starts one more bot on the shared database. */
  startBot(overrides?: Record<string, string>): Promise<App>;
  /** Stops every running bot and starts one again on the same database: a deploy or a crash-free restart. */
  restartBots(overrides?: Record<string, string>): Promise<App>;
  /**
   * The bot's reply after a message, once complete: its content is the whole text of a model
   * reply (streaming edits before that do not count).
   */
  replyAfter(messageId: string, options?: { channelId?: string; timeoutMs?: number }): Promise<APIMessage>;
  /** The bot's messages in a channel, oldest first. */
  botMessages(channelId: string): APIMessage[];
  /** A user runs a slash command; resolves with what the bot showed once it has answered (waiting up to `timeoutMs`, 5 s). */
  runCommand(spec: CommandInvocationSpec, options?: { timeoutMs?: number }): Promise<CommandAnswer>;
  /** Alice mentions the bot in #general (or another channel) and the test waits for the reply. */
  mention(text: string, options?: { channelId?: string; authorId?: string }): APIMessage;
  /**
   * Counts the turns the bots finish from now on. A turn stores its answer and usage after the
   * reply is shown: wait for it before reading what it stored.
   */
  countTurns(): { finished(count: number, timeoutMs?: number): Promise<void> };
  /** What a bot made of a Discord message: stored and queued, ignored, or a duplicate. */
  taken(messageId: string, timeoutMs?: number): Promise<ReceiveResult>;
  /** The SQL of every statement the bots sent to the database, in order. */
  readonly statements: readonly string[];
  close(): Promise<void>;
}

/** What a command answered: all the text it showed (content, embeds, followups) and how. */
export interface CommandAnswer {
  id: string;
  text: string;
  ephemeral: boolean;
  modal: unknown;
  responses: InteractionResponses;
}

/** The loading flag Discord sets on a deferred reply until it is edited. */
const LOADING_FLAG = 1 << 7;

function answerOf(responses: InteractionResponses): CommandAnswer | undefined {
  const original = responses.original;
  const stillLoading = original !== null && ((original.flags ?? 0) & LOADING_FLAG) !== 0 && responses.followups.length === 0;
  if (!responses.acknowledged || stillLoading) return undefined;
  if (!original && responses.followups.length === 0 && !responses.modal && responses.autocompleteChoices === null) return undefined;
  const shown = [original, ...responses.followups].filter((message): message is APIMessage => message !== null);
  const text = shown
    .flatMap((message) => [
      message.content,
      ...message.embeds.flatMap((embed) => [embed.title ?? '', embed.description ?? '', ...(embed.fields ?? []).map((field) => `${field.name}: ${field.value}`)]),
    ])
    .filter(Boolean)
    .join('\n');
  return { id: responses.interactionId, text, ephemeral: responses.ephemeral, modal: responses.modal, responses };
}

export async function startHarness(driver: DriverName, options: { llmBrain?: 'demo' | 'none' } = {}): Promise<BotHarness> {
  const [discord, llm, database] = await Promise.all([
    startDiscordEmulator(),
    startFakeLlm({ brain: options.llmBrain ?? 'demo' }),
    createTestDatabase(driver),
  ]);
  await deployCommands({ apiUrl: discord.apiUrl, token: discord.token, devGuildId: discord.seed.guildId });
  // A PGlite directory may only be open once: the bots open it themselves.
  if (driver === 'pglite') await database.close();
  const bots: App[] = [];
  const turnListeners = new Set<() => void>();
  const takenMessages = new Map<string, ReceiveResult>();
  const statements: string[] = [];
  let lastOverrides: Record<string, string> | undefined;
  const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_API_KEY: 'test-key',
    DEFAULT_MODEL: 'gpt-4o-mini',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    STREAM_EDIT_INTERVAL_MS: '200',
    LLM_RETRY_BASE_MS: '10',
    LEASE_SECONDS: '3',
    // Tests send faster than any person; the limit has its own test.
    USER_TURNS_PER_MINUTE: '0',
    ...(driver === 'postgres' ? { DATABASE_URL: database.url! } : { DATA_DIR: dirname(database.directory!) }),
    ...overrides,
  });
  const harness: BotHarness = {
    discord,
    llm,
    database,
    driver,
    statements,
    env,
    async startBot(overrides) {
      lastOverrides = overrides;
      const app = await startApp(loadConfig(env(overrides)), process.env.BOT_LOG ? createLogger(process.env.BOT_LOG) : silentLogger(), {
        turnFinished: () => turnListeners.forEach((listener) => listener()),
        messageTaken: (messageId, result) => takenMessages.set(messageId, result),
        queryRun: (query) => statements.push(query),
      });
      bots.push(app);
      return app;
    },
    async restartBots(overrides) {
      const previous = lastOverrides;
      for (const bot of bots.splice(0)) await bot.stop();
      return harness.startBot(overrides ?? previous);
    },
    async runCommand(spec, commandOptions = {}) {
      const { id } = discord.invokeCommand(spec);
      await discord.waitForInteractionResponse(id, (responses) => answerOf(responses) !== undefined, { timeoutMs: commandOptions.timeoutMs ?? 5000 });
      return answerOf(discord.interactionResponses(id))!;
    },
    replyAfter(messageId, replyOptions = {}) {
      const channelId = replyOptions.channelId ?? discord.seed.generalId;
      const finalTexts = () =>
        new Set(llm.requests.flatMap((request) => (request.outcome?.kind === 'reply' && request.outcome.reply.text ? [request.outcome.reply.text.trim()] : [])));
      return discord.waitFor(
        () => {
          const texts = finalTexts();
          return harness.botMessages(channelId).find((message) => message.id > messageId && texts.has(message.content));
        },
        { timeoutMs: replyOptions.timeoutMs ?? 5000, description: `a complete bot reply after ${messageId} in ${channelId}` },
      );
    },
    botMessages: (channelId) => discord.channelMessages(channelId).filter((message) => message.author.id === discord.bot.id),
    mention(text, mentionOptions = {}) {
      return discord.userSays({
        channelId: mentionOptions.channelId ?? discord.seed.generalId,
        authorId: mentionOptions.authorId ?? discord.seed.alice.id,
        content: `<@${discord.bot.id}> ${text}`,
      });
    },
    countTurns() {
      let finished = 0;
      const listener = () => (finished += 1);
      turnListeners.add(listener);
      return {
        finished: (count, timeoutMs = 5000) =>
          discord
            .waitFor(() => finished >= count || undefined, { timeoutMs, description: `${count} finished turns` })
            .then(() => void turnListeners.delete(listener)),
      };
    },
    taken(messageId, timeoutMs = 5000) {
      return discord.waitFor(() => takenMessages.get(messageId), { timeoutMs, description: `message ${messageId} taken by a bot` });
    },
    async close() {
      for (const bot of bots.splice(0)) await bot.stop().catch(() => {});
      await Promise.all([discord.close(), llm.close()]);
      await database.destroy();
    },
  };
  return harness;
}
