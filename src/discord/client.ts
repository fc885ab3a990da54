import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';

export interface DiscordClientOptions {
  /** REST base, e.g. https://discord.com/api or a local emulator's. */
  apiUrl: string;
  /** discord.js's own REST throttle: Discord's global limit is 50; more only against an emulator or proxy. */
  restRequestsPerSecond: number;
}

/**
 * Messages discord.js keeps per channel (its default is 200: in a thousand busy channels, two
 * hundred thousand messages held in memory). The conversation lives in the database; the cache
 * only saves a REST call when someone replies to a recent message.
 */
const MESSAGES_CACHED_PER_CHANNEL = 25;

/**
 * The discord.js client with the intents Matryoshka needs: guild messages with their content
 * (a privileged intent, enabled in the developer portal) and DMs (which need the Channel partial
 * because DM channels are not cached before their first message).
 */
export function createDiscordClient(options: DiscordClientOptions): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    partials: [Partials.Channel],
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: MESSAGES_CACHED_PER_CHANNEL }),
    rest: { api: options.apiUrl, globalRequestsPerSecond: options.restRequestsPerSecond },
  });
}
