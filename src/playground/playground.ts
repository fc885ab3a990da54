import { join } from 'node:path';
import type { Logger } from 'pino';
import { type App, startApp } from '../app.js';
import { deployCommands } from '../commands/deployCommands.js';
import type { Config } from '../config.js';
import { HelperStatusRepository } from '../db/repositories/index.js';
import { startDiscordEmulator } from '../discordEmulator/emulator.js';
import { PageEvents } from './pageEvents.js';
import { startPageServer } from './pageServer.js';
import { tipsFor } from './pageView.js';

/** A running playground: the emulator, the bot on it, and the page. */
export interface Playground {
  readonly app: App;
  /** Where the page is, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  stop(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Starts the built-in Discord emulator with the world saved under DATA_DIR/playground, registers
 * the commands in its guild, starts the bot on it exactly as on Discord (the emulator's REST URL
 * and token), then serves the page. Stops in reverse.
 */
export async function startPlayground(config: Config, logger: Logger): Promise<Playground> {
  const log = logger.child({ module: 'playground' });
  const discord = await startDiscordEmulator({ stateFile: join(config.database.dataDir, 'playground', 'discord.json') });
  const stops: Array<() => Promise<void>> = [() => discord.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log.error({ err: error }, 'error while stopping the playground'));
  };
  try {
    const { guildId } = discord.seed;
    // Guild commands appear at once; each start registers the current set (a bulk overwrite).
    await deployCommands({ apiUrl: discord.apiUrl, token: discord.token, devGuildId: guildId });
    const app = await startApp({ ...config, discord: { ...config.discord, token: discord.token, apiUrl: discord.apiUrl } }, logger);
    stops.push(() => app.stop());
    const helpers = new HelperStatusRepository(app.database.db);
    const events = new PageEvents(discord, guildId, helpers, log);
    const page = await startPageServer(
      config.playground,
      {
        emulator: discord,
        guildId,
        helpers,
        model: { demo: config.llm.demoBrain, name: config.llm.demoBrain ? 'demo brain' : config.llm.defaultModel },
        tips: tipsFor(config.llm.demoBrain),
      },
      events,
      log,
    );
    stops.push(() => page.close());
    if (!LOOPBACK_HOSTS.has(config.playground.host)) {
      log.warn({ host: config.playground.host }, 'the playground page has no login: anyone who can reach this address can act as any of its users');
    }
    log.info({ url: page.url, demoBrain: config.llm.demoBrain }, 'playground ready');
    return { app, url: page.url, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** What the console says once the playground runs: where to go, and how to leave for a real Discord. */
export function playgroundBanner(playground: Playground, demoBrain: boolean): string {
  const model = demoBrain ? ' (demo brain: no model configured; set OPENAI_API_KEY or OPENAI_BASE_URL for a real one)' : '';
  return [
    `Matryoshka playground: ${playground.url}${model}`,
    'To run on a real Discord server instead, put DISCORD_TOKEN=<your bot token> in .env and run npm start again (README: "Creating the Discord application").',
  ].join('\n');
}
