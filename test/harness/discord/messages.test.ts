import { ChannelType, DiscordAPIError, Events, PermissionFlagsBits, type TextChannel } from 'discord.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generalChannel, startHarness, type Harness } from './helpers.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const general = (): TextChannel => generalChannel(harness);

describe('messages', () => {
  test('the bot receives a user message and replies; its own MESSAGE_CREATE arrives too', async () => {
    const { discord, client } = harness;
    const seen: string[] = [];
    const onMessage = async (message: import('discord.js').Message) => {
      seen.push(`${message.author.username}: ${message.content}`);
      if (!message.author.bot && message.mentions.has(client.user)) await message.reply('hi alice');
    };
    client.on(Events.MessageCreate, onMessage);
    const sent = discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: `<@${discord.bot.id}> hello` });
    const reply = await discord.waitForMessage((message) => message.author.id === discord.bot.id, { after: sent.id });
    expect(reply).toMatchObject({ content: 'hi alice', type: 19, message_reference: { message_id: sent.id } });
    expect(reply.referenced_message?.id).toBe(sent.id);
    await discord.waitFor(() => seen.includes('Matryoshka: hi alice'));
    client.off(Events.MessageCreate, onMessage);
    expect(discord.channelMessages(discord.seed.generalId).map((message) => message.content)).toContain('hi alice');
  });

  test('edits dispatch MESSAGE_UPDATE and keep the history; deletes dispatch MESSAGE_DELETE', async () => {
    const { discord, client } = harness;
    const message = await general().send('draft');
    const updated = new Promise<string>((resolve) => client.once(Events.MessageUpdate, (_old, next) => resolve(next.content ?? '')));
    await message.edit('final');
    expect(await updated).toBe('final');
    const history = discord.messageHistory(message.id);
    expect(history?.current.edited_timestamp).not.toBeNull();
    expect(history?.revisions.map((revision) => revision.content)).toEqual(['draft']);
    await discord.waitForMessage((seen) => seen.id === message.id && seen.content === 'final', { edited: true });
    const deleted = new Promise<string>((resolve) => client.once(Events.MessageDelete, (gone) => resolve(gone.id)));
    await message.delete();
    expect(await deleted).toBe(message.id);
    expect(discord.message(message.id)).toBeUndefined();
    expect(discord.messageHistory(message.id)?.deleted).toBe(true);
  });

  test('content over 2,000 characters is rejected with 50035 and nothing is posted', async () => {
    const before = harness.discord.channelMessages(harness.discord.seed.generalId).length;
    const error = await general().send('x'.repeat(2001)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50035, status: 400 });
    expect((error as Error).message).toContain('content[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.');
    expect(harness.discord.channelMessages(harness.discord.seed.generalId)).toHaveLength(before);
  });

  test('embed limits are enforced (title over 256, more than 10 embeds)', async () => {
    const tooLong = general().send({ embeds: [{ title: 't'.repeat(257) }] });
    await expect(tooLong).rejects.toThrow(/embeds\[0\]\.title\[BASE_TYPE_MAX_LENGTH\]/);
    const tooMany = general().send({ embeds: Array.from({ length: 11 }, (_, index) => ({ description: String(index) })) });
    await expect(tooMany).rejects.toMatchObject({ code: 50035 });
  });

  test('an empty message is 50006; an unknown channel is 10003', async () => {
    const { client } = harness;
    await expect(client.rest.post(`/channels/${harness.discord.seed.generalId}/messages`, { body: { content: '' } })).rejects.toMatchObject({ code: 50006 });
    await expect(client.rest.post('/channels/1234567890123456789/messages', { body: { content: 'x' } })).rejects.toMatchObject({ code: 10003, status: 404 });
  });

  test('a channel denying the bot Send Messages answers 50013', async () => {
    const { discord } = harness;
    const channel = discord.createChannel({
      guildId: discord.seed.guildId,
      name: 'read-only',
      permissionOverwrites: [{ id: discord.seed.botRoleId, type: 'role', deny: PermissionFlagsBits.SendMessages }],
    });
    await expect(harness.client.rest.post(`/channels/${channel.id}/messages`, { body: { content: 'x' } })).rejects.toMatchObject({ code: 50013, status: 403 });
    expect(() => discord.userSays({ channelId: channel.id, authorId: discord.seed.bob.id, content: 'bob can' })).not.toThrow();
  });

  test('nonce with enforce_nonce returns the first message and creates nothing', async () => {
    const { client, discord } = harness;
    const route = `/channels/${discord.seed.generalId}/messages` as const;
    const first = (await client.rest.post(route, { body: { content: 'once', nonce: 'turn1-0', enforce_nonce: true } })) as { id: string };
    const second = (await client.rest.post(route, { body: { content: 'twice', nonce: 'turn1-0', enforce_nonce: true } })) as { id: string; content: string };
    expect(second.id).toBe(first.id);
    expect(second.content).toBe('once');
    expect(discord.channelMessages(discord.seed.generalId).filter((message) => message.nonce === 'turn1-0')).toHaveLength(1);
    const unenforced = (await client.rest.post(route, { body: { content: 'again', nonce: 'turn1-0' } })) as { id: string };
    expect(unenforced.id).not.toBe(first.id);
  });

  test('allowed_mentions decides who would be pinged, on creates and edits', async () => {
    const { discord } = harness;
    const { alice, bob } = discord.seed;
    const quiet = await general().send({ content: `<@${alice.id}> and <@${bob.id}> @everyone`, allowedMentions: { parse: [] } });
    expect(discord.pings.filter((ping) => ping.messageId === quiet.id)).toEqual([]);
    expect(quiet.mentions.users.has(alice.id)).toBe(true);
    const loud = await general().send({ content: `<@${alice.id}> <@${bob.id}>`, allowedMentions: { users: [bob.id] } });
    expect(discord.pings.filter((ping) => ping.messageId === loud.id).map((ping) => ping.userIds)).toEqual([[bob.id]]);
    await quiet.edit({ content: `<@${alice.id}> again`, allowedMentions: { parse: ['users'] } });
    expect(discord.pings.filter((ping) => ping.messageId === quiet.id)).toMatchObject([{ reason: 'edit', userIds: [alice.id] }]);
    const sent = discord.userSays({ channelId: discord.seed.generalId, authorId: alice.id, content: 'question' });
    const fetched = await general().messages.fetch(sent.id);
    const reply = await fetched.reply({ content: 'answer', allowedMentions: { repliedUser: false } });
    expect(discord.pings.filter((ping) => ping.messageId === reply.id)).toEqual([]);
  });

  test('bulk delete removes several messages with one MESSAGE_DELETE_BULK', async () => {
    const { discord, client } = harness;
    const first = await general().send('bulk 1');
    const second = await general().send('bulk 2');
    const bulk = new Promise<number>((resolve) => client.once(Events.MessageBulkDelete, (messages) => resolve(messages.size)));
    await general().bulkDelete([first.id, second.id]);
    expect(await bulk).toBe(2);
    expect(discord.message(first.id)).toBeUndefined();
  });

  test('typing is recorded per channel', async () => {
    await general().sendTyping();
    expect(harness.discord.typingIndicators(harness.discord.seed.generalId).map((record) => record.userId)).toContain(harness.discord.bot.id);
  });

  test('attachments: a user file is served at its URL; a bot upload arrives as an attachment', async () => {
    const { discord, client } = harness;
    const received = new Promise<string>((resolve) => client.once(Events.MessageCreate, (message) => resolve(message.attachments.first()?.url ?? '')));
    discord.userSays({
      channelId: discord.seed.generalId,
      authorId: discord.seed.alice.id,
      content: 'see file',
      attachments: [{ filename: 'notes.txt', contentType: 'text/plain', text: 'hello file' }],
    });
    const url = await received;
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('hello file');
    const upload = await general().send({ content: 'report', files: [{ attachment: Buffer.from('a,b\n1,2'), name: 'report.csv' }] });
    expect(upload.attachments.first()?.name).toBe('report.csv');
    expect(await (await fetch(upload.attachments.first()?.url ?? '')).text()).toBe('a,b\n1,2');
  });

  test('reactions are stored and dispatched', async () => {
    const { discord, client } = harness;
    const message = await general().send('react to me');
    const added = new Promise<string>((resolve) => client.once(Events.MessageReactionAdd, (reaction) => resolve(reaction.emoji.name ?? '')));
    discord.userReacts({ messageId: message.id, userId: discord.seed.bob.id, emoji: '👍' });
    expect(await added).toBe('👍');
    await message.react('✅');
    expect(discord.message(message.id)?.reactions?.map((reaction) => [reaction.emoji.name, reaction.count, reaction.me])).toEqual([
      ['👍', 1, false],
      ['✅', 1, true],
    ]);
  });

  test('DMs: the bot receives a direct message and answers it', async () => {
    const { discord, client } = harness;
    const dm = discord.openDirectMessage(discord.seed.bob.id);
    const onMessage = async (message: import('discord.js').Message) => {
      if (message.channel.type === ChannelType.DM && !message.author.bot) await message.channel.send('dm reply');
    };
    client.on(Events.MessageCreate, onMessage);
    discord.userSays({ channelId: dm.id, authorId: discord.seed.bob.id, content: 'psst' });
    const reply = await discord.waitForMessage((message) => message.channel_id === dm.id && message.author.id === discord.bot.id);
    client.off(Events.MessageCreate, onMessage);
    expect(reply.content).toBe('dm reply');
  });

  test('webhooks post with a custom name and into threads', async () => {
    const { discord } = harness;
    const webhook = await general().createWebhook({ name: 'Helper' });
    const posted = await webhook.send({ content: 'from a helper', username: 'Sub-agent 1' });
    expect(posted.author.username).toBe('Sub-agent 1');
    expect(posted.webhookId).toBe(webhook.id);
    const thread = await general().threads.create({ name: 'helper results' });
    const inThread = await webhook.send({ content: 'result', threadId: thread.id });
    expect(inThread.channelId).toBe(thread.id);
    expect(discord.channelMessages(thread.id).map((message) => message.author.username)).toEqual(['Helper']);
  });
});
