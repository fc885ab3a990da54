import type { APIMessage } from 'discord-api-types/v10';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_NOTE } from '../../src/agents/runtime.js';
import type { App } from '../../src/app.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import type { RecordedRequest } from '../support/llm/fakeLlmServer.js';

const MINUTE = 60_000;

/** The text of the last user message of a model request: the newest message its turn answers. */
const lastUserText = (request: RecordedRequest): string => request.lastUserText ?? '';

/** The GET /channels/{id}/messages requests the bots made for a channel (the catch-up's fetches). */
function historyFetches(harness: BotHarness, channelId: string, since = 0) {
  return harness.discord.restRequests.slice(since).filter((request) => request.method === 'GET' && request.path.startsWith(`/channels/${channelId}/messages`));
}

/** Stored user messages of these Discord ids, in the order they were stored. */
async function storedRows(bot: App, discordIds: string[]) {
  const rows = await bot.database.rows<{ discord_message_id: string; sent_while_offline: boolean }>(
    sql`select discord_message_id, sent_while_offline from messages where discord_message_id in ${discordIds} order by id`,
  );
  return rows.map((row) => ({ id: row.discord_message_id, offline: row.sent_while_offline }));
}

/** Resolves once the channels' agents are at rest: nothing queued or running (turns finished, answers stored). */
async function agentsAtRest(harness: BotHarness, bot: App, channelIds: string[]): Promise<void> {
  await harness.discord.waitFor(
    async () => {
      const rows = await bot.database.rows<{ run_state: string }>(sql`select run_state from agents where channel_id in ${channelIds}`);
      return rows.length === channelIds.length && rows.every((row) => row.run_state === 'idle');
    },
    { timeoutMs: 10_000, description: `agents of ${channelIds.join(', ')} at rest` },
  );
}

/** A complete bot reply in the channel after `afterId` whose text contains `text`. */
function replyContaining(harness: BotHarness, channelId: string, afterId: string, text: string): Promise<APIMessage> {
  const replies = () => harness.llm.requests.flatMap((request) => (request.outcome?.kind === 'reply' && request.outcome.reply.text ? [request.outcome.reply.text.trim()] : []));
  return harness.discord.waitFor(
    () => harness.botMessages(channelId).find((message) => BigInt(message.id) > BigInt(afterId) && message.content.includes(text) && replies().some((reply) => message.content.includes(reply))),
    { timeoutMs: 10_000, description: `a complete reply containing "${text}" in ${channelId}` },
  );
}

describe.each(testDrivers())('catching up after downtime (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  beforeAll(async () => {
    harness = await startHarness(driver);
    bot = await harness.startBot();
  });
  afterAll(() => harness.close());

  it('answers each mention sent while no bot was connected once, in order, and nothing else', async () => {
    const { discord, llm } = harness;
    const { generalId, guildId, bob } = discord.seed;
    const sideId = discord.createChannel({ guildId, name: 'side' }).id;
    for (const channelId of [generalId, sideId]) {
      const hello = harness.mention('hello', { channelId });
      await harness.replyAfter(hello.id, { channelId });
    }
    const freshId = discord.createChannel({ guildId, name: 'fresh' }).id; // never used: it has no agent
    await agentsAtRest(harness, bot, [generalId, sideId]);
    await bot.stop();

    const one = harness.mention('offline one');
    const chatter = discord.userSays({ channelId: generalId, authorId: bob.id, content: 'just chatting, not to the bot' });
    const two = harness.mention('offline two', { authorId: bob.id });
    const side = harness.mention('offline side', { channelId: sideId });
    const fresh = harness.mention('offline fresh', { channelId: freshId });
    const requestsBefore = llm.requests.length;
    const restBefore = discord.restRequests.length;
    bot = await harness.startBot();

    expect(await harness.taken(one.id)).toBe('queued');
    expect(await harness.taken(chatter.id)).toBe('ignored');
    expect(await harness.taken(two.id)).toBe('queued');
    expect(await harness.taken(side.id)).toBe('queued');
    await replyContaining(harness, generalId, two.id, 'offline two');
    await replyContaining(harness, sideId, side.id, 'offline side');
    await agentsAtRest(harness, bot, [generalId, sideId]);

    // Stored once each, in Discord's order, marked as sent while offline; the chatter was not stored.
    expect(await storedRows(bot, [one.id, chatter.id, two.id, fresh.id])).toEqual([
      { id: one.id, offline: true },
      { id: two.id, offline: true },
    ]);
    expect(await storedRows(bot, [side.id])).toEqual([{ id: side.id, offline: true }]);

    // Answered once each, in order: the general turns end with "one" then "two", or with "two" alone
    // (both answered together); every turn posted one reply.
    const requests = llm.requests.slice(requestsBefore);
    const generalTurns = requests.filter((request) => /offline (one|two)/.test(lastUserText(request))).map(lastUserText);
    expect([1, 2]).toContain(generalTurns.length);
    expect(generalTurns.at(-1)).toContain('offline two');
    if (generalTurns.length === 2) expect(generalTurns[0]).toContain('offline one');
    const lastGeneral = requests.filter((request) => lastUserText(request).includes('offline two')).at(-1)!;
    const userTexts = lastGeneral.messages.filter((message) => message.role === 'user').map((message) => JSON.stringify(message.content));
    expect(userTexts.findIndex((text) => text.includes('offline one'))).toBeLessThan(userTexts.findIndex((text) => text.includes('offline two')));
    expect(JSON.stringify(requests.map((request) => request.messages))).not.toContain('just chatting');
    expect(harness.botMessages(generalId).filter((message) => BigInt(message.id) > BigInt(two.id))).toHaveLength(generalTurns.length);
    expect(requests.filter((request) => lastUserText(request).includes('offline side'))).toHaveLength(1);
    expect(harness.botMessages(sideId).filter((message) => BigInt(message.id) > BigInt(side.id))).toHaveLength(1);
    // A late answer replies to the message it answers and says why it is late (pinging nobody).
    const sideAnswer = harness.botMessages(sideId).find((message) => BigInt(message.id) > BigInt(side.id))!;
    expect(sideAnswer.message_reference?.message_id).toBe(side.id);
    expect(sideAnswer.content.startsWith(OFFLINE_NOTE)).toBe(true);
    expect(discord.pings.filter((ping) => ping.messageId === sideAnswer.id)).toEqual([]);

    // A channel without an agent is not caught up: not even fetched.
    expect(historyFetches(harness, freshId, restBefore)).toEqual([]);
    expect(harness.botMessages(freshId)).toEqual([]);
    expect(discord.internalErrors).toEqual([]);
  });

  it('leaves a message older than CATCH_UP_MINUTES unanswered, though newer than the last one stored', async () => {
    const { discord, llm } = harness;
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: 'old-news' }).id;
    const longAgo = discord.userSays({ channelId, authorId: discord.seed.alice.id, content: `<@${discord.bot.id}> long ago`, sentAt: Date.now() - 40 * MINUTE });
    await harness.replyAfter(longAgo.id, { channelId });
    await agentsAtRest(harness, bot, [channelId]);
    await bot.stop();

    const stale = discord.userSays({ channelId, authorId: discord.seed.alice.id, content: `<@${discord.bot.id}> thirty-five minutes ago`, sentAt: Date.now() - 35 * MINUTE });
    const recent = harness.mention('just now', { channelId });
    const requestsBefore = llm.requests.length;
    bot = await harness.startBot({ CATCH_UP_MINUTES: '30' });

    expect(await harness.taken(recent.id)).toBe('queued');
    await replyContaining(harness, channelId, recent.id, 'just now');
    await agentsAtRest(harness, bot, [channelId]);
    expect(await storedRows(bot, [longAgo.id, stale.id, recent.id])).toEqual([
      { id: longAgo.id, offline: false },
      { id: recent.id, offline: true },
    ]);
    expect(JSON.stringify(llm.requests.slice(requestsBefore).map((request) => request.messages))).not.toContain('thirty-five minutes ago');
  });

  it('does not catch up after a resumed session: Discord replays what it missed', async () => {
    const { discord } = harness;
    const { generalId, bob } = discord.seed;
    const before = harness.mention('before the drop');
    await replyContaining(harness, generalId, before.id, 'before the drop');
    // Chatter is not stored, so #general's last message is now newer than its stored conversation:
    // a catch-up would fetch it.
    const chatter = discord.userSays({ channelId: generalId, authorId: bob.id, content: 'more chatter' });
    expect(await harness.taken(chatter.id)).toBe('ignored');
    const restBefore = discord.restRequests.length;
    const resumed = discord.waitForEvent((event) => event.type === 'gatewayResumed', { timeoutMs: 10_000 });
    discord.faults.dropGateway();
    await resumed;

    // A catch-up of #general would run in the channel's queue before this message.
    const asked = harness.mention('after the resume');
    await replyContaining(harness, generalId, asked.id, 'after the resume');
    expect(historyFetches(harness, generalId, restBefore)).toEqual([]);
    expect(await storedRows(bot, [asked.id])).toEqual([{ id: asked.id, offline: false }]);
  });
});

describe.runIf(testDrivers().includes('postgres'))('two bot processes starting together on one PostgreSQL', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await startHarness('postgres');
  });
  afterAll(() => harness.close());

  it('answer each message sent while they were down once, each channel fetched by one of them', async () => {
    const { discord, llm } = harness;
    const first = await harness.startBot();
    const channels = [1, 2, 3].map((index) => discord.createChannel({ guildId: discord.seed.guildId, name: `both-${index}` }).id);
    for (const channelId of channels) {
      const hello = harness.mention('hello', { channelId });
      await harness.replyAfter(hello.id, { channelId });
    }
    await agentsAtRest(harness, first, channels);
    await first.stop();

    const missed = channels.map((channelId) => harness.mention(`missed in ${channelId}`, { channelId }));
    const requestsBefore = llm.requests.length;
    const restBefore = discord.restRequests.length;
    // Slow history fetches keep the first catch-up of each channel going while the other bot
    // looks at the channel: without the claim, both would fetch it and take its message.
    discord.faults.delayRest(1000, { route: 'GET /channels/:channelId/messages' });
    const bots = await Promise.all([harness.startBot(), harness.startBot()]);

    for (const [index, channelId] of channels.entries()) {
      expect(await harness.taken(missed[index]!.id)).toBe('queued');
      await replyContaining(harness, channelId, missed[index]!.id, `missed in ${channelId}`);
    }
    await agentsAtRest(harness, bots[0]!, channels);
    discord.faults.clear();
    for (const [index, channelId] of channels.entries()) {
      expect(harness.botMessages(channelId).filter((message) => BigInt(message.id) > BigInt(missed[index]!.id))).toHaveLength(1);
      expect(historyFetches(harness, channelId, restBefore)).toHaveLength(1);
    }
    expect(llm.requests.slice(requestsBefore)).toHaveLength(channels.length);
    // Each stored once (channels are caught up side by side, so their rows interleave in any order).
    const stored = await storedRows(bots[0]!, missed.map((message) => message.id));
    expect(stored.sort((left, right) => left.id.localeCompare(right.id))).toEqual(missed.map((message) => ({ id: message.id, offline: true })));
    const claims = await bots[0]!.database.rows<{ catch_up_until: string | null }>(sql`select catch_up_until from agents where channel_id in ${channels}`);
    expect(claims.every((row) => row.catch_up_until === null)).toBe(true);
  });
});
