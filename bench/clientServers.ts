/**
 * The emulator and the scripted model for `bench/clientCosts.ts`, in a process of their own so
 * that the bench counts the clients' CPU alone. Sends their addresses over IPC; runs until killed.
 */
import { startDiscordEmulator } from '../src/discordEmulator/emulator.js';
import { startFakeLlm } from '../test/support/llm/fakeLlmServer.js';

export interface ClientServers {
  apiUrl: string;
  token: string;
  channelIds: string[];
  llmBaseUrl: string;
}

const [discord, llm] = await Promise.all([
  startDiscordEmulator({ rateLimits: { defaultBucket: null }, logLimit: 100 }),
  startFakeLlm({ brain: 'demo', wordsPerChunk: 10_000 }),
]);
const channelIds = Array.from({ length: 20 }, (_, index) => discord.createChannel({ guildId: discord.seed.guildId, name: `costs-${index}` }).id);
const servers: ClientServers = { apiUrl: discord.apiUrl, token: discord.token, channelIds, llmBaseUrl: llm.baseUrl };
process.send?.(servers);
// The request log of the scripted model keeps every prompt: forget them as the bench goes.
setInterval(() => llm.reset(), 1000);
