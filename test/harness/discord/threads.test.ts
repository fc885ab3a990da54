import { ChannelType, Events, ThreadAutoArchiveDuration, type TextChannel, type ThreadChannel } from 'discord.js';
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

describe('threads', () => {
  test('a thread started from a message has the message id, marks the starter, and takes messages', async () => {
    const { discord } = harness;
    const starter = await general().send('spawning helpers');
    const thread = await starter.startThread({ name: 'Helper results', autoArchiveDuration: ThreadAutoArchiveDuration.OneHour });
    expect(thread.id).toBe(starter.id);
    expect(thread.type).toBe(ChannelType.PublicThread);
    await thread.send('result 1');
    const seen = await discord.waitForThread((candidate) => candidate.id === starter.id);
    expect(seen.thread_metadata?.archived).toBe(false);
    expect(discord.threads(discord.seed.generalId).map((candidate) => candidate.name)).toContain('Helper results');
    expect(discord.channelMessages(thread.id).map((message) => message.content)).toEqual(['result 1']);
    expect(discord.message(starter.id)?.thread?.id).toBe(thread.id);
    // discord.js refuses client-side once it has seen the starter's HAS_THREAD update; the server says 160004.
    await expect(starter.startThread({ name: 'again' })).rejects.toThrow(/already has a thread/);
    const again = harness.client.rest.post(`/channels/${discord.seed.generalId}/messages/${starter.id}/threads`, { body: { name: 'again' } });
    await expect(again).rejects.toMatchObject({ code: 160004 });
  });

  test('a standalone public thread leaves a THREAD_CREATED notice in the parent', async () => {
    const { discord } = harness;
    const thread = await general().threads.create({ name: 'standalone', type: ChannelType.PublicThread });
    expect(thread.parentId).toBe(discord.seed.generalId);
    const notice = discord.channelMessages(discord.seed.generalId).find((message) => message.type === 18 && message.content === 'standalone');
    expect(notice?.message_reference?.channel_id).toBe(thread.id);
  });

  test('thread names must be 1–100 characters (50035)', async () => {
    await expect(general().threads.create({ name: 'n'.repeat(101) })).rejects.toMatchObject({ code: 50035 });
    await expect(harness.client.rest.post(`/channels/${harness.discord.seed.generalId}/threads`, { body: { name: '', type: 11 } })).rejects.toThrow(/name\[BASE_TYPE_BAD_LENGTH\]/);
  });

  test('archiving and un-archiving dispatch THREAD_UPDATE; sending un-archives; edits in archived threads fail', async () => {
    const { discord, client } = harness;
    const thread = await general().threads.create({ name: 'to archive', type: ChannelType.PublicThread });
    const message = await thread.send('before archive');
    const archivedSeen = new Promise<boolean>((resolve) => client.once(Events.ThreadUpdate, (_old, next) => resolve(next.archived ?? false)));
    await thread.setArchived(true);
    expect(await archivedSeen).toBe(true);
    await expect(message.edit('too late')).rejects.toMatchObject({ code: 50083 });
    await thread.send('wakes it up');
    expect(discord.channel(thread.id)).toMatchObject({ thread_metadata: { archived: false } });
    discord.setThreadArchived(thread.id, true);
    await discord.waitForThread((candidate) => candidate.id === thread.id && candidate.thread_metadata?.archived === true);
    discord.setThreadArchived(thread.id, false);
    await discord.waitFor(() => client.channels.cache.get(thread.id)?.isThread() && !(client.channels.cache.get(thread.id) as ThreadChannel).archived);
  });

  test('a thread a user creates reaches the bot, whose replies land in it', async () => {
    const { discord, client } = harness;
    const created = new Promise<ThreadChannel>((resolve) => client.once(Events.ThreadCreate, (thread) => resolve(thread)));
    const question = discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: 'topic' });
    const userThread = discord.userCreatesThread({ channelId: discord.seed.generalId, messageId: question.id, userId: discord.seed.alice.id, name: 'alice thread' });
    const thread = await created;
    expect(thread.id).toBe(userThread.id);
    expect(thread.ownerId).toBe(discord.seed.alice.id);
    const onMessage = async (message: import('discord.js').Message) => {
      if (message.channelId === userThread.id && !message.author.bot) await message.reply('in thread');
    };
    client.on(Events.MessageCreate, onMessage);
    discord.userSays({ channelId: userThread.id, authorId: discord.seed.alice.id, content: `<@${discord.bot.id}> here` });
    const reply = await discord.waitForMessage((message) => message.channel_id === userThread.id && message.author.id === discord.bot.id);
    client.off(Events.MessageCreate, onMessage);
    expect(reply.content).toBe('in thread');
  });
});
