import { ChannelType, type Client, Events, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChatRefusal } from '../../../src/agents/errors.js';
import { DiscordChatGateway } from '../../../src/discord/chatGateway.js';
import { createDiscordClient } from '../../../src/discord/client.js';
import { silentLogger } from '../../../src/logger.js';
import { startDiscordEmulator, type DiscordEmulator } from '../../../src/discordEmulator/emulator.js';

const THREADS_ROUTE = 'POST /channels/:channelId/messages/:messageId/threads';

let discord: DiscordEmulator;
let client: Client;
let gateway: DiscordChatGateway;

beforeAll(async () => {
  discord = await startDiscordEmulator();
  // The bot's own client, as src/app.ts builds it.
  client = createDiscordClient({ apiUrl: discord.apiUrl, restRequestsPerSecond: 1_000 });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(discord.token);
  await ready;
  gateway = new DiscordChatGateway(client, { retries: 2, retryBaseMs: 10 }, silentLogger());
});
afterAll(async () => {
  await client.destroy();
  await discord.close();
});

let nonces = 0;
const post = (channelId: string, content: string, silent?: boolean): Promise<string> =>
  gateway.postMessage({ channelId, content, nonce: `threads-${++nonces}`, silent });

/** The REST calls that tried to start a thread from `messageId`. */
const threadRequests = (messageId: string) => discord.restRequests.filter((request) => request.route === THREADS_ROUTE && request.path.includes(`/messages/${messageId}/`));

/** What createThread was refused with. */
async function refusal(promise: Promise<unknown>): Promise<ChatRefusal> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChatRefusal);
  return error as ChatRefusal;
}

describe('DiscordChatGateway against the emulator: silent posts and threads', () => {
  test('a silent post carries SUPPRESS_NOTIFICATIONS and still parses no mentions', async () => {
    const { generalId, alice } = discord.seed;
    const silentId = await post(generalId, `results are in, <@${alice.id}>`, true);
    const loudId = await post(generalId, 'not silent');
    expect((discord.message(silentId)?.flags ?? 0) & MessageFlags.SuppressNotifications).toBe(MessageFlags.SuppressNotifications);
    expect((discord.message(loudId)?.flags ?? 0) & MessageFlags.SuppressNotifications).toBe(0);
    const sent = discord.restRequests.find((request) => request.route === 'POST /channels/:channelId/messages' && (request.body as { nonce?: string }).nonce === discord.message(silentId)?.nonce);
    expect(sent?.body).toMatchObject({ flags: MessageFlags.SuppressNotifications, allowed_mentions: { parse: [] } });
    expect(discord.pings.filter((ping) => ping.messageId === silentId)).toEqual([]);
  });

  test('createThread starts a public thread whose id is the message id, under the given name', async () => {
    const { generalId } = discord.seed;
    const messageId = await post(generalId, 'spawning a helper');
    const threadId = await gateway.createThread({ channelId: generalId, messageId, name: 'Helper: summarise the logs' });
    expect(threadId).toBe(messageId);
    const thread = await discord.waitForThread((candidate) => candidate.id === threadId, { timeoutMs: 2_000 });
    expect(thread).toMatchObject({ name: 'Helper: summarise the logs', parent_id: generalId, type: ChannelType.PublicThread, thread_metadata: { archived: false, auto_archive_duration: 1440 } });
    // The bot's own client learns of it too (THREAD_CREATE).
    const cached = await discord.waitFor(() => client.channels.cache.get(threadId), { timeoutMs: 2_000, description: 'the thread in the client cache' });
    expect(cached.isThread()).toBe(true);
  });

  test('a second createThread for the same message returns the same thread (160004 recovered)', async () => {
    const { generalId } = discord.seed;
    const messageId = await post(generalId, 'retried creation');
    const first = await gateway.createThread({ channelId: generalId, messageId, name: 'first name' });
    const second = await gateway.createThread({ channelId: generalId, messageId, name: 'second name' });
    expect(second).toBe(first);
    expect(threadRequests(messageId).map((request) => request.errorCode)).toEqual([null, 160004]);
    expect(discord.threads(generalId).filter((thread) => thread.id === messageId).map((thread) => thread.name)).toEqual(['first name']);
  });

  test('names are made acceptable: a long one is cut with an ellipsis, a blank one becomes "helper"', async () => {
    const { generalId } = discord.seed;
    const longId = await post(generalId, 'long name');
    await gateway.createThread({ channelId: generalId, messageId: longId, name: `${'a'.repeat(97)}😀😀 tail` });
    const long = discord.channel(longId);
    expect(long?.name).toHaveLength(100);
    expect(long?.name?.endsWith('😀…')).toBe(true);
    const blankId = await post(generalId, 'blank name');
    await gateway.createThread({ channelId: generalId, messageId: blankId, name: ' \n ' });
    expect(discord.channel(blankId)?.name).toBe('helper');
  });

  test('without Create Public Threads the refusal names the channel, and it is not retried', async () => {
    const { guildId } = discord.seed;
    const channel = discord.createChannel({
      guildId,
      name: 'no-threads',
      permissionOverwrites: [{ id: discord.bot.id, type: 'member', deny: PermissionFlagsBits.CreatePublicThreads }],
    });
    const messageId = await post(channel.id, 'try a thread here');
    const refused = await refusal(gateway.createThread({ channelId: channel.id, messageId, name: 'denied' }));
    expect(refused.reason).toBe(`I lack permission to create threads in <#${channel.id}>`);
    expect(refused.cause).toMatchObject({ code: 50013 });
    expect(threadRequests(messageId).map((request) => request.errorCode)).toEqual([50013]);
  });

  test("past the guild's active-thread limit the refusal says so; archiving a thread makes room", async () => {
    const guild = discord.createGuild({ name: 'Busy server', ownerId: discord.seed.alice.id });
    const channel = discord.createChannel({ guildId: guild.id, name: 'busy' });
    discord.setMaxActiveThreads(1);
    try {
      const firstId = await post(channel.id, 'first helper');
      await gateway.createThread({ channelId: channel.id, messageId: firstId, name: 'first' });
      const secondId = await post(channel.id, 'second helper');
      const refused = await refusal(gateway.createThread({ channelId: channel.id, messageId: secondId, name: 'second' }));
      expect(refused.reason).toBe("this server has reached Discord's limit of active threads");
      expect(refused.cause).toMatchObject({ code: 160006 });
      discord.setThreadArchived(firstId, true);
      expect(await gateway.createThread({ channelId: channel.id, messageId: secondId, name: 'second' })).toBe(secondId);
    } finally {
      discord.setMaxActiveThreads(1_000);
    }
  });

  test('a voice channel cannot hold threads (50024)', async () => {
    const voice = discord.createChannel({ guildId: discord.seed.guildId, name: 'Lounge', type: ChannelType.GuildVoice });
    const messageId = await post(voice.id, 'text chat in a voice channel');
    const refused = await refusal(gateway.createThread({ channelId: voice.id, messageId, name: 'nope' }));
    expect(refused.reason).toMatch(/^threads cannot be started in this kind of channel/);
    expect(refused.cause).toMatchObject({ code: 50024 });
  });

  test('nor can a thread: a message inside one gets 50024 too', async () => {
    const { generalId } = discord.seed;
    const starterId = await post(generalId, 'parent of a thread');
    const threadId = await gateway.createThread({ channelId: generalId, messageId: starterId, name: 'outer' });
    const innerId = await post(threadId, 'inside the thread');
    const refused = await refusal(gateway.createThread({ channelId: threadId, messageId: innerId, name: 'inner' }));
    expect(refused.cause).toMatchObject({ code: 50024 });
  });

  test("a 5xx burst is retried and then the thread is made; no emulator errors", async () => {
    const { generalId } = discord.seed;
    const messageId = await post(generalId, 'flaky discord');
    // discord.js retries a 5xx three times itself; four failures outlast that once.
    discord.faults.failNextRest(4, 502, { route: THREADS_ROUTE });
    expect(await gateway.createThread({ channelId: generalId, messageId, name: 'after the storm' })).toBe(messageId);
    expect(discord.channel(messageId)?.name).toBe('after the storm');
    expect(discord.internalErrors).toEqual([]);
  });
});
