import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import { testDrivers } from '../support/db/testDatabase.js';

describe.each(testDrivers())('chatting with a channel agent (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  beforeAll(async () => {
    harness = await startHarness(driver);
    bot = await harness.startBot();
  });
  beforeEach(() => harness.llm.reset());
  afterAll(() => harness.close());

  it('answers a mention with a streamed reply that pings nobody', async () => {
    const { discord, llm } = harness;
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 40, reply: { text: 'word '.repeat(40).trim() } } });
    const asked = harness.mention('tell me something long');
    const first = await discord.waitForMessage((message) => message.author.id === discord.bot.id && message.id > asked.id);
    expect(first.content.length).toBeGreaterThan(0);
    const done = await discord.waitFor(() => {
      const shown = discord.message(first.id);
      return shown?.content === 'word '.repeat(40).trim() ? shown : undefined;
    }, { timeoutMs: 8000 });
    const revisions = discord.messageHistory(first.id)!.revisions;
    expect(revisions.length).toBeGreaterThan(0);
    // Edits are throttled to STREAM_EDIT_INTERVAL_MS (200 ms here; 1 s by default).
    const editTimes = revisions.map((revision) => revision.replacedAt);
    for (let index = 1; index < editTimes.length; index++) expect(editTimes[index]! - editTimes[index - 1]!).toBeGreaterThanOrEqual(180);
    expect(done.content).toBe('word '.repeat(40).trim());
    expect(discord.pings.filter((ping) => ping.messageId === first.id)).toEqual([]);
  });

  it('puts each speaker\'s name in the prompt', async () => {
    const { discord, llm } = harness;
    const fromAlice = harness.mention('I like tea');
    await harness.replyAfter(fromAlice.id);
    const fromBob = harness.mention('I like coffee', { authorId: discord.seed.bob.id });
    await harness.replyAfter(fromBob.id);
    const prompt = JSON.stringify(llm.lastRequest()!.messages);
    expect(prompt).toContain('Alice');
    expect(prompt).toContain('I like tea');
    expect(prompt).toContain('Bob');
    expect(prompt).toContain('I like coffee');
  });

  it('shows "typing…" while the model keeps the channel waiting, and not for a quick answer', async () => {
    const { discord, llm } = harness;
    const channelId = discord.seed.generalId;
    const quick = harness.mention('a quick one');
    await harness.replyAfter(quick.id);
    expect(discord.typingIndicators(channelId).filter((typing) => typing.at >= Date.parse(quick.timestamp))).toEqual([]);

    // 2 tokens a second: the first word comes after half a second, past TYPING_DELAY_MS.
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 2, reply: { text: 'slow start' } } });
    const startedAt = Date.now();
    const slow = harness.mention('take your time');
    const reply = await discord.waitFor(() => harness.botMessages(channelId).find((message) => message.id > slow.id && message.content === 'slow start'));
    const typing = discord.typingIndicators(channelId).filter((record) => record.at >= startedAt);
    expect(typing.length).toBeGreaterThan(0);
    expect(typing[0]!.userId).toBe(discord.bot.id);
    expect(typing[0]!.at).toBeLessThanOrEqual(Date.parse(reply.timestamp));
  });

  it('ignores messages that do not address it in mention mode', async () => {
    const { discord, llm } = harness;
    discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: 'just chatting' });
    const asked = harness.mention('now you');
    await harness.replyAfter(asked.id);
    expect(llm.requests).toHaveLength(1);
    expect(JSON.stringify(llm.lastRequest()!.messages)).not.toContain('just chatting');
  });

  it('lets model output ping nobody: @everyone, roles and users are inert', async () => {
    const { discord, llm } = harness;
    llm.enqueue({ text: `@everyone @here <@&${discord.seed.botRoleId}> <@${discord.seed.bob.id}> look at this` });
    const asked = harness.mention('ping everyone please');
    const reply = await harness.replyAfter(asked.id);
    expect(discord.pings.filter((ping) => ping.messageId === reply.id)).toEqual([]);
  });

  it('splits a 3,000-character reply into messages of at most 2,000 characters', async () => {
    const { discord, llm } = harness;
    const paragraphs = Array.from({ length: 30 }, (_, index) => `Paragraph ${index}: ${'lorem '.repeat(16).trim()}`);
    llm.enqueue({ text: paragraphs.join('\n\n') });
    const asked = harness.mention('write a lot');
    await discord.waitFor(() => {
      const replies = harness.botMessages(discord.seed.generalId).filter((message) => message.id > asked.id);
      return replies.length === 2 && replies[1]!.content.endsWith('Paragraph 29: ' + 'lorem '.repeat(16).trim()) ? replies : undefined;
    }, { timeoutMs: 8000 });
    const replies = harness.botMessages(discord.seed.generalId).filter((message) => message.id > asked.id);
    for (const reply of replies) expect(reply.content.length).toBeLessThanOrEqual(2000);
    expect(replies.map((reply) => reply.content).join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('answers a reply to one of its messages, with the text replied to in the prompt', async () => {
    const { discord, llm } = harness;
    const asked = harness.mention('first question');
    const answer = await harness.replyAfter(asked.id);
    const followUp = discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.bob.id, content: 'why is that?', replyTo: answer.id });
    await harness.replyAfter(followUp.id);
    const lastUser = llm.lastRequest()!.messages.filter((message) => message.role === 'user').at(-1)!;
    expect(lastUser.content).toBe(`Bob (replying to: "${answer.content}"): why is that?`);
  });

  it('answers a reply to an old message of its own, beyond what discord.js keeps cached', async () => {
    const { discord } = harness;
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: 'long-thread' }).id;
    const first = harness.mention('question 0', { channelId });
    const oldAnswer = await harness.replyAfter(first.id, { channelId });
    // More replies than the 25 messages a channel keeps cached push the first one out.
    for (let index = 1; index <= 15; index++) {
      const asked = harness.mention(`question ${index}`, { channelId });
      await harness.replyAfter(asked.id, { channelId });
    }
    const followUp = discord.userSays({ channelId, authorId: discord.seed.bob.id, content: 'back to the first one', replyTo: oldAnswer.id });
    await harness.replyAfter(followUp.id, { channelId });
    expect(harness.llm.lastRequest()!.messages.at(-1)!.content).toContain(`(replying to: "${oldAnswer.content}")`);
  });

  it('reports healthy with the gateway connected, and counts turns and model calls in /metrics', async () => {
    const asked = harness.mention('count this');
    await harness.replyAfter(asked.id);
    const health = await fetch(`http://127.0.0.1:${bot.http.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'discord', checks: { database: { ok: true }, migrations: { ok: true }, discord: { ok: true } } });
    const metrics = await (await fetch(`http://127.0.0.1:${bot.http.port}/metrics`)).text();
    expect(metrics).toMatch(/matryoshka_turns_total\{outcome="done"\} [1-9]/);
    expect(metrics).toMatch(/matryoshka_llm_calls_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/matryoshka_llm_tokens_total\{direction="in"\} [1-9]/);
    expect(metrics).toMatch(/matryoshka_turn_overhead_seconds_count [1-9]/);
  });
});
