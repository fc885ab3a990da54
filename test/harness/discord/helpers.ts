import { ChannelType, Client, Events, GatewayIntentBits, Partials, type ClientOptions, type TextChannel } from 'discord.js';
import { startDiscordEmulator, type DiscordEmulator, type DiscordEmulatorOptions } from '../../../src/discordEmulator/emulator.js';

/** The intents most of the bot uses. */
export const DEFAULT_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.GuildMessageReactions,
];

/** Logs a discord.js Client in to the emulator and resolves once it is ready. */
export async function connectClient(discord: DiscordEmulator, options: Partial<ClientOptions> = {}): Promise<Client<true>> {
  const client = new Client({ intents: DEFAULT_INTENTS, partials: [Partials.Channel], ...discord.clientOptions(), ...options });
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(discord.token);
  return ready;
}

/** An emulator and one ready client, torn down by `close()`. */
export interface Harness {
  discord: DiscordEmulator;
  client: Client<true>;
  close(): Promise<void>;
}

/** Starts an emulator with fast deadlines and connects one client. */
export async function startHarness(options: DiscordEmulatorOptions = {}, clientOptions: Partial<ClientOptions> = {}): Promise<Harness> {
  const discord = await startDiscordEmulator(options);
  const client = await connectClient(discord, clientOptions);
  return {
    discord,
    client,
    async close() {
      await client.destroy();
      await discord.close();
    },
  };
}

/** A promise and its resolve function, to hand a value out of an event handler. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** The seeded #general channel as the harness's client sees it. */
export function generalChannel(harness: Harness): TextChannel {
  const channel = harness.client.channels.cache.get(harness.discord.seed.generalId);
  if (channel?.type !== ChannelType.GuildText) throw new Error('no #general');
  return channel;
}
