import { ChannelType, Client, Events, GatewayIntentBits, PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, test } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../../src/discordEmulator/emulator.js';
import { connectClient, deferred } from './helpers.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function emulator(options?: Parameters<typeof startDiscordEmulator>[0]): Promise<DiscordEmulator> {
  const discord = await startDiscordEmulator(options);
  open.push(discord);
  return discord;
}

async function client(discord: DiscordEmulator, options?: Parameters<typeof connectClient>[1]): Promise<Client<true>> {
  const connected = await connectClient(discord, options);
  open.push({ close: () => connected.destroy() });
  return connected;
}

describe('gateway', () => {
  test('starting the emulator and logging a client in takes at most 500 ms', async () => {
    const started = performance.now();
    const discord = await emulator();
    await client(discord);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThanOrEqual(500);
  });

  test('READY and GUILD_CREATE fill the cache: guild, #general, roles, members, the bot as member', async () => {
    const discord = await emulator();
    const bot = await client(discord);
    expect(bot.user.id).toBe(discord.bot.id);
    expect(bot.application.id).toBe(discord.bot.id);
    const guild = bot.guilds.cache.get(discord.seed.guildId);
    expect(guild?.name).toBe('Emulator Guild');
    const general = guild?.channels.cache.get(discord.seed.generalId);
    expect(general?.type).toBe(ChannelType.GuildText);
    expect(guild?.members.me?.id).toBe(discord.bot.id);
    expect(guild?.ownerId).toBe(discord.seed.alice.id);
    // Permission helpers need @everyone and the bot's member; alice owns the guild, bob is plain.
    expect(general?.permissionsFor(discord.bot.id)?.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(guild?.members.cache.get(discord.seed.alice.id)?.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(true);
    expect(guild?.members.cache.get(discord.seed.bob.id)?.permissions.has(PermissionFlagsBits.ManageGuild)).toBe(false);
    expect(discord.gatewaySessions()).toHaveLength(1);
  });

  test('two clients with the same token both receive every event', async () => {
    const discord = await emulator();
    const first = await client(discord);
    const second = await client(discord);
    const seenByFirst = deferred<string>();
    const seenBySecond = deferred<string>();
    first.on(Events.MessageCreate, (message) => seenByFirst.resolve(message.content));
    second.on(Events.MessageCreate, (message) => seenBySecond.resolve(message.content));
    discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: 'to both' });
    expect(await seenByFirst.promise).toBe('to both');
    expect(await seenBySecond.promise).toBe('to both');
  });

  test('a restarted bot (client destroyed, new client) sees the same world', async () => {
    const discord = await emulator();
    const before = await client(discord);
    const channelId = (await before.channels.fetch(discord.seed.generalId))?.id;
    await before.destroy();
    expect(discord.gatewaySessions()).toHaveLength(0);
    discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.bob.id, content: 'while you were away' });
    const after = await client(discord);
    const history = await after.channels.fetch(discord.seed.generalId);
    expect(history?.id).toBe(channelId);
    const messages = history?.isTextBased() ? await history.messages.fetch({ limit: 10 }) : undefined;
    expect(messages?.first()?.content).toBe('while you were away');
  });

  test('without MESSAGE_CONTENT, content is blank unless the bot is mentioned', async () => {
    const discord = await emulator();
    const bot = await client(discord, { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages] });
    const contents: string[] = [];
    const got = deferred<void>();
    bot.on(Events.MessageCreate, (message) => {
      contents.push(message.content);
      if (contents.length === 2) got.resolve();
    });
    discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: 'secret' });
    discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: `<@${discord.bot.id}> visible` });
    await got.promise;
    expect(contents).toEqual(['', `<@${discord.bot.id}> visible`]);
  });

  test('a privileged intent the application lacks closes the gateway with 4014', async () => {
    const discord = await emulator({ privilegedIntents: { messageContent: false } });
    const rejected = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent], ...discord.clientOptions() });
    open.push({ close: () => rejected.destroy() });
    await expect(rejected.login(discord.token)).rejects.toThrow(/disallowed intents/i);
  });

  test('a wrong token is refused', async () => {
    const discord = await emulator();
    const rejected = new Client({ intents: [GatewayIntentBits.Guilds], ...discord.clientOptions() });
    open.push({ close: () => rejected.destroy() });
    await expect(rejected.login('not-the-token')).rejects.toThrow(/invalid token/i);
  });

  test('guilds and channels created later reach the client; removal sends GUILD_DELETE', async () => {
    const discord = await emulator();
    const bot = await client(discord);
    const guildCreated = deferred<string>();
    bot.on(Events.GuildCreate, (guild) => guildCreated.resolve(guild.id));
    const guild = discord.createGuild({ name: 'Second', ownerId: discord.seed.bob.id });
    expect(await guildCreated.promise).toBe(guild.id);
    const channelCreated = deferred<string>();
    bot.on(Events.ChannelCreate, (channel) => channelCreated.resolve(channel.id));
    const channel = discord.createChannel({ guildId: guild.id, name: 'later' });
    expect(await channelCreated.promise).toBe(channel.id);
    const guildDeleted = deferred<string>();
    bot.on(Events.GuildDelete, (deleted) => guildDeleted.resolve(deleted.id));
    discord.removeBotFromGuild(guild.id);
    expect(await guildDeleted.promise).toBe(guild.id);
    expect(bot.guilds.cache.has(guild.id)).toBe(false);
  });

  test('guild.members.fetch() is answered with GUILD_MEMBERS_CHUNK', async () => {
    const discord = await emulator();
    const bot = await client(discord, { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers] });
    const members = await bot.guilds.cache.get(discord.seed.guildId)?.members.fetch();
    expect(members?.map((member) => member.user.username).sort()).toEqual(['Matryoshka', 'alice', 'bob']);
  });

  test('with two shards, guild events go to the guild’s shard only and DMs to shard 0', async () => {
    const discord = await emulator();
    const shards = [await client(discord, { shards: 0, shardCount: 2 }), await client(discord, { shards: 1, shardCount: 2 })];
    const expected = Number((BigInt(discord.seed.guildId) >> 22n) % 2n);
    expect(shards.map((shard) => shard.guilds.cache.has(discord.seed.guildId))).toEqual([expected === 0, expected === 1]);
    const received: number[] = [];
    shards.forEach((shard, index) => shard.on(Events.MessageCreate, () => received.push(index)));
    discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: 'sharded' });
    const dm = discord.openDirectMessage(discord.seed.bob.id);
    discord.userSays({ channelId: dm.id, authorId: discord.seed.bob.id, content: 'dm' });
    await discord.waitFor(() => received.length === 2);
    expect(received.sort()).toEqual([0, expected].sort());
  });
});
