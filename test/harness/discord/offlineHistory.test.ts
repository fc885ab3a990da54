import { Routes, type Client, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, test } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../../src/discordEmulator/emulator.js';
import { snowflakeTimestamp } from '../../../src/discordEmulator/snowflake.js';
import { connectClient } from './helpers.js';

/** What a bot catching up after downtime relies on: history kept while nobody is connected. */
describe('history while no client is connected', () => {
  let discord: DiscordEmulator;
  let client: Client<true> | undefined;
  afterEach(async () => {
    await client?.destroy();
    await discord.close();
  });

  test('keeps the messages, lists them after a cursor, and gives GUILD_CREATE the last message id', async () => {
    discord = await startDiscordEmulator();
    const { generalId, alice, bob } = discord.seed;
    const sent = [
      discord.userSays({ channelId: generalId, authorId: alice.id, content: 'first' }),
      discord.userSays({ channelId: generalId, authorId: bob.id, content: 'second' }),
      discord.userSays({ channelId: generalId, authorId: alice.id, content: 'third' }),
    ];
    client = await connectClient(discord);
    const general = client.channels.cache.get(generalId) as TextChannel;
    expect(general.lastMessageId).toBe(sent[2]!.id);
    const after = await general.messages.fetch({ after: sent[0]!.id, limit: 100 });
    expect([...after.keys()]).toEqual([sent[2]!.id, sent[1]!.id]); // newest first, as Discord lists them
  });

  test('dates a message in the past: an older id, its place in the history by id, last_message_id unchanged', async () => {
    discord = await startDiscordEmulator();
    const { generalId, alice } = discord.seed;
    const before = discord.userSays({ channelId: generalId, authorId: alice.id, content: 'now' });
    const sentAt = Date.now() - 40 * 60_000;
    const old = discord.userSays({ channelId: generalId, authorId: alice.id, content: 'forty minutes ago', sentAt });
    expect(snowflakeTimestamp(old.id)).toBe(sentAt);
    expect(BigInt(old.id) < BigInt(before.id)).toBe(true);
    expect(new Date(old.timestamp).getTime()).toBe(sentAt);
    expect(discord.channelMessages(generalId).map((message) => message.content)).toEqual(['forty minutes ago', 'now']);
    expect(discord.channel(generalId)).toMatchObject({ last_message_id: before.id });
    const later = discord.userSays({ channelId: generalId, authorId: alice.id, content: 'later' });
    expect(BigInt(later.id) > BigInt(before.id)).toBe(true);
  });

  test('enforce_nonce holds for replies: the second reply with the nonce returns the first', async () => {
    discord = await startDiscordEmulator();
    client = await connectClient(discord);
    const { generalId, alice } = discord.seed;
    const asked = discord.userSays({ channelId: generalId, authorId: alice.id, content: 'hello' });
    const body = { content: 'notice', nonce: 'sabc', enforce_nonce: true, message_reference: { message_id: asked.id, fail_if_not_exists: false }, allowed_mentions: { parse: [] } };
    const first = (await client.rest.post(Routes.channelMessages(generalId), { body })) as { id: string; message_reference?: { message_id: string } };
    const second = (await client.rest.post(Routes.channelMessages(generalId), { body })) as { id: string };
    expect(second.id).toBe(first.id);
    expect(first.message_reference?.message_id).toBe(asked.id);
    expect(discord.channelMessages(generalId).filter((message) => message.nonce === 'sabc')).toHaveLength(1);
    expect(discord.pings.filter((ping) => ping.messageId === first.id)).toEqual([]);
  });
});
