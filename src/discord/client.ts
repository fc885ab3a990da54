import { Client, GatewayIntentBits, Partials } from 'discord.js';

export interface DiscordClientOptions {
  /** REST base, e.g. https://discord.com/api or a local emulator's. */
  apiUrl: string;
  /** discord.js's own REST throttle: Discord's global limit is 50; more only against an emulator or proxy. */
  restRequestsPerSecond: number;
}

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
    rest: { api: options.apiUrl, globalRequestsPerSecond: options.restRequestsPerSecond },
  });
}
