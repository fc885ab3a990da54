import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import { addSchedule, eventually, pauseAllSchedules, runsOf } from '../support/e2e/scheduleScripts.js';

describe.each(testDrivers())('per-user and per-guild limits (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  beforeAll(async () => {
    harness = await startHarness(driver);
    bot = await harness.startBot({ USER_TURNS_PER_MINUTE: '2' });
  });
  afterAll(() => harness.close());

  const hourglass = (messageId: string) => harness.discord.message(messageId)?.reactions?.some((reaction) => reaction.emoji.name === '⏳') ?? false;

  it('keeps a message past USER_TURNS_PER_MINUTE, marked ⏳, and answers it once the minute allows', async () => {
    const { discord, llm } = harness;
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: `rate-${driver}` }).id;
    const first = harness.mention('one', { channelId });
    await harness.replyAfter(first.id, { channelId });
    const second = harness.mention('two', { channelId });
    await harness.replyAfter(second.id, { channelId });
    const third = harness.mention('three, too many', { channelId });
    expect(await harness.taken(third.id)).toBe('deferred');
    await discord.waitFor(() => hourglass(third.id) || undefined);

    // Someone else is not held back by alice's limit.
    const fromBob = harness.mention('bob asks', { channelId, authorId: discord.seed.bob.id });
    expect(await harness.taken(fromBob.id)).toBe('queued');
    const bobsAnswer = await harness.replyAfter(fromBob.id, { channelId });
    expect(bobsAnswer.content).toContain('bob asks');
    expect(JSON.stringify(llm.lastRequest()!.messages)).not.toContain('three, too many');

    // A minute passes (in the database, which keeps the time): the kept message enters the conversation.
    await bot.database.rows(sql`update messages set created_at = created_at - interval '61 seconds' where author_id = ${discord.seed.alice.id}`);
    await bot.database.rows(sql`update deferred_messages set deferred_until = now()`);
    bot.dueTimesChanged();
    const answer = await discord.waitFor(
      () => harness.botMessages(channelId).find((message) => message.id > fromBob.id && message.content.includes('three, too many')),
      { timeoutMs: 10_000 },
    );
    expect(answer.content).toContain('three, too many');
    await discord.waitFor(() => !hourglass(third.id) || undefined);
    const stored = await bot.database.rows<{ count: number }>(sql`select count(*)::int as count from messages where discord_message_id = ${third.id}`);
    expect(stored).toEqual([{ count: 1 }]);
    expect(await bot.database.rows(sql`select id from deferred_messages`)).toEqual([]);
  });

  it('says once when a guild past GUILD_DAILY_TOKENS can ask again, and shows the cap in /usage', async () => {
    const { discord, llm } = harness;
    bot = await harness.restartBots({ GUILD_DAILY_TOKENS: '50' });
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: `cap-${driver}` }).id;
    // The answers of the test above used more than 50 tokens today.
    const turns = harness.countTurns();
    const requestsBefore = llm.requests.length;
    const over = harness.mention('one more?', { channelId });
    const notice = await discord.waitForMessage((message) => message.author.id === discord.bot.id && message.channel_id === channelId);
    expect(notice.content).toMatch(/today's budget of 50 model tokens\. I can answer again <t:\d+:R>/);
    expect(BigInt(notice.id) > BigInt(over.id)).toBe(true);
    const again = harness.mention('and now?', { channelId, authorId: discord.seed.bob.id });
    expect(await harness.taken(again.id)).toBe('queued');
    await turns.finished(2);
    // Told once; nothing went to the model.
    expect(llm.requests.length).toBe(requestsBefore);
    expect(harness.botMessages(channelId).map((message) => message.id)).toEqual([notice.id]);

    const usage = await harness.runCommand({ channelId, userId: discord.seed.bob.id, name: 'usage' });
    expect(usage.text).toMatch(/Daily cap — [\d,]+ of 50 tokens used today \(100 %\), resets <t:\d+:R>/);

    // A schedule's firing past the cap is not run either: its run is recorded as skipped, and why.
    const schedule = await addSchedule(bot, { guildId: discord.seed.guildId, channelId, createdBy: discord.seed.alice.id, task: 'Post the digest.' });
    const skipped = await eventually(async () => (await runsOf(bot, schedule.id)).find((run) => run.status === 'skipped'), 'a skipped firing', 10_000);
    expect(skipped.error).toContain('daily token budget (GUILD_DAILY_TOKENS = 50)');
    await pauseAllSchedules(bot);
    expect(llm.requests.length).toBe(requestsBefore);
  });
});
