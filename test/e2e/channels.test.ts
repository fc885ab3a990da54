import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

const userText = (content: unknown) =>
  typeof content === 'string' ? content : (content as Array<{ type: string; text?: string }>).map((part) => part.text ?? '').join('');

describe.each(testDrivers())('where and what the agent reads (%s)', (driver) => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await startHarness(driver);
    await harness.startBot({ VISION_MODELS: 'fake-vision' });
  });
  beforeEach(() => harness.llm.reset());
  afterAll(() => harness.close());

  it('answers every message in a DM, without a mention', async () => {
    const { discord } = harness;
    const dm = discord.openDirectMessage(discord.seed.bob.id);
    const said = discord.userSays({ channelId: dm.id, authorId: discord.seed.bob.id, content: 'hello in private' });
    const reply = await harness.replyAfter(said.id, { channelId: dm.id });
    expect(reply.content).toContain('hello in private');
  });

  it('never answers another bot, even when it mentions this one', async () => {
    const { discord, llm } = harness;
    const otherBot = discord.createUser({ username: 'otherbot', bot: true });
    discord.addMember({ guildId: discord.seed.guildId, userId: otherBot.id });
    harness.mention('hello fellow bot', { authorId: otherBot.id });
    const human = harness.mention('and hello from a human');
    await harness.replyAfter(human.id);
    expect(llm.requests).toHaveLength(1);
    expect(JSON.stringify(llm.requests[0]!.messages)).not.toContain('fellow bot');
  });

  it('gives a thread it did not create its own conversation, starting from the parent channel\'s persona', async () => {
    const { discord, llm } = harness;
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: 'pirates' }).id;
    const opened = await harness.runCommand({ channelId, userId: discord.seed.alice.id, name: 'persona', subcommand: 'set' });
    const saved = discord.submitModal({ interactionId: opened.id, fields: { name: 'Pirate', instructions: 'Speak like a pirate.', model: 'gpt-4o-mini', temperature: '' } });
    await discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    const parentSaid = harness.mention('parent channel secret: parrot', { channelId });
    await harness.replyAfter(parentSaid.id, { channelId });
    const thread = discord.userCreatesThread({ channelId, userId: discord.seed.alice.id, name: 'side quest' });
    const said = harness.mention('hello from the thread', { channelId: thread.id });
    await harness.replyAfter(said.id, { channelId: thread.id });
    const request = llm.lastRequest()!;
    expect(String(request.messages[0]!.content)).toContain('Speak like a pirate.');
    expect(JSON.stringify(request.messages)).not.toContain('parrot');
  });

  it('reads a text attachment into the prompt', async () => {
    const { discord, llm } = harness;
    const said = discord.userSays({
      channelId: discord.seed.generalId,
      authorId: discord.seed.alice.id,
      content: `<@${discord.bot.id}> what does this file say?`,
      attachments: [{ filename: 'notes.txt', contentType: 'text/plain', text: 'The deploy password rotates on Mondays.' }],
    });
    await harness.replyAfter(said.id);
    const lastUser = llm.lastRequest()!.messages.filter((message) => message.role === 'user').at(-1)!;
    expect(userText(lastUser.content)).toContain('[file notes.txt]\nThe deploy password rotates on Mondays.');
  });

  it('reads a file only for a message it answers, and names a binary or lost file instead of reading it', async () => {
    const { discord, llm } = harness;
    const chatter = discord.userSays({
      channelId: discord.seed.generalId,
      authorId: discord.seed.bob.id,
      content: 'just sharing, not for the bot',
      attachments: [{ filename: 'aside.txt', contentType: 'text/plain', text: 'nothing to see' }],
    });
    expect(await harness.taken(chatter.id)).toBe('ignored');
    expect(discord.cdnDownloads).not.toContain(chatter.attachments[0]!.id);

    // Random bytes named .txt, NUL bytes in the text itself, and a file gone from the CDN.
    const noise = Buffer.from([0x89, 0x00, 0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28]).toString('base64');
    const said = discord.userSays({
      channelId: discord.seed.generalId,
      authorId: discord.seed.alice.id,
      content: `<@${discord.bot.id}> what is in evil.txt?\u0000`,
      attachments: [
        { filename: 'evil.txt', contentType: 'text/plain', base64: noise },
        { filename: 'gone.txt', contentType: 'text/plain', text: 'expired' },
      ],
    });
    discord.expireAttachment(said.attachments[1]!.id);
    await harness.replyAfter(said.id);
    const lastUser = userText(llm.lastRequest()!.messages.filter((message) => message.role === 'user').at(-1)!.content);
    expect(lastUser).toContain('what is in evil.txt?');
    expect(lastUser).not.toContain('\u0000');
    expect(lastUser).toContain('evil.txt (text/plain, 8 bytes, not text, not read)');
    expect(lastUser).toContain('gone.txt (text/plain, 7 bytes, could not be downloaded)');
  });

  it('shows an image to a vision model in the turn it arrives, and only names it for other models', async () => {
    const { discord, llm } = harness;
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const image = { filename: 'cat.png', contentType: 'image/png', base64: png };
    const plain = discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: `<@${discord.bot.id}> look`, attachments: [image] });
    await harness.replyAfter(plain.id);
    const textOnly = llm.lastRequest()!.messages.filter((message) => message.role === 'user').at(-1)!
    expect(typeof textOnly.content).toBe('string');
    expect(textOnly.content).toContain('[attached: cat.png (image/png');

    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: 'vision' }).id;
    const opened = await harness.runCommand({ channelId, userId: discord.seed.alice.id, name: 'persona', subcommand: 'set', options: { model: 'fake-vision' } });
    const saved = discord.submitModal({ interactionId: opened.id, fields: { name: 'Eyes', instructions: 'Describe images.', model: 'fake-vision', temperature: '' } });
    await discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    // Sent the moment the previous reply shows, before that turn has stored its answer.
    const warmUp = harness.mention('hello', { channelId });
    await harness.replyAfter(warmUp.id, { channelId });
    const seen = discord.userSays({ channelId, authorId: discord.seed.alice.id, content: `<@${discord.bot.id}> look`, attachments: [image] });
    await harness.replyAfter(seen.id, { channelId });
    const withImage = llm.lastRequest()!.messages.filter((message) => message.role === 'user').at(-1)!;
    expect(withImage.content).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'image_url' })]));

    const later = harness.mention('and now?', { channelId });
    await harness.replyAfter(later.id, { channelId });
    const parts: Array<{ type: string }> = llm.lastRequest()!.messages.flatMap((message) => (Array.isArray(message.content) ? (message.content as Array<{ type: string }>) : []));
    const images = parts.filter((part) => part.type === 'image_url');
    expect(images).toEqual([]);
  });
});
