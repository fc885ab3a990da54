import { type ChildProcess, spawn } from 'node:child_process';
import type { APIMessage } from 'discord-api-types/v10';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

const isBot = (harness: BotHarness) => (message: APIMessage) => message.author.id === harness.discord.bot.id;

describe.each(testDrivers())('when the model fails (%s)', (driver) => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await startHarness(driver);
    await harness.startBot({ LLM_RETRIES: '2' });
  });
  afterAll(() => harness.close());

  it('says what went wrong after the last try, keeps the message, and answers when Retry is pressed', async () => {
    const { discord, llm } = harness;
    llm.enqueue({ fault: { kind: 'status', status: 503 } }, { times: 3 });
    const asked = harness.mention('are you up?');
    const notice = await discord.waitForMessage((message) => isBot(harness)(message) && message.id > asked.id);
    expect(llm.requests).toHaveLength(3);
    expect(notice.content).toContain('the model provider is unavailable (tried 3 times)');
    expect(notice.content).toContain('Your message is saved');
    const button = notice.components?.[0] as { components: Array<{ custom_id: string; label: string }> };
    expect(button.components[0]!.label).toBe('Retry');
    expect(discord.pings.filter((ping) => ping.messageId === notice.id)).toEqual([]);

    discord.clickButton({ messageId: notice.id, customId: button.components[0]!.custom_id, userId: discord.seed.bob.id });
    const answer = await harness.replyAfter(notice.id);
    expect(answer.content).toContain('are you up?');
    expect(JSON.stringify(llm.lastRequest()!.messages)).toContain('are you up?');
    await discord.waitFor(() => (discord.message(notice.id)?.components ?? []).length === 0);
  });
});

describe.runIf(testDrivers().includes('postgres'))('several bot processes on one PostgreSQL', () => {
  let harness: BotHarness;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    harness = await startHarness('postgres');
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  afterAll(() => harness.close());

  it('answers each message exactly once with two bots connected', async () => {
    const { discord, llm } = harness;
    await harness.startBot();
    await harness.startBot();
    const channels = [discord.seed.generalId, ...[1, 2, 3].map((index) => discord.createChannel({ guildId: discord.seed.guildId, name: `multi-${index}` }).id)];
    for (const channelId of channels) for (const round of [1, 2, 3]) harness.mention(`question ${round} in ${channelId}`, { channelId });
    // Messages that arrive during a turn are answered together, so a channel gets one to three
    // replies; its last one answers the last question, since messages are stored in order.
    await discord.waitFor(() => channels.every((channelId) => harness.botMessages(channelId).at(-1)?.content.includes('question 3')) || undefined, {
      timeoutMs: 10_000,
    }).catch(async (error) => {
      const { sql } = await import('drizzle-orm');
      console.log(JSON.stringify(await harness.database.rows(sql`select id, channel_id, status, wake_seq, lease_owner, queued_at from agents`), null, 1));
      console.log(JSON.stringify(await harness.database.rows(sql`select id, agent_id, role, content from messages order by id`), null, 1));
      console.log(JSON.stringify(await harness.database.rows(sql`select * from turns order by id`), null, 1));
      throw error;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const replies = channels.flatMap((channelId) => harness.botMessages(channelId));
    expect(new Set(replies.map((reply) => reply.content)).size).toBe(replies.length);
    expect(llm.requests.length).toBe(replies.length);
    for (const request of llm.requests) {
      const lastUser = request.messages.filter((message) => message.role === 'user').at(-1);
      expect(request.messages.at(-1)).toBe(lastUser);
    }

    // Both bots receive every interaction: the one whose claim wins answers, the other stays silent.
    const answer = await harness.runCommand({ channelId: discord.seed.generalId, userId: discord.seed.bob.id, name: 'usage' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(discord.interactionResponses(answer.id).callbacks).toHaveLength(1);
    expect(discord.internalErrors).toEqual([]);
  });

  it('completes a turn whose process was killed mid-reply, without posting it twice', async () => {
    const { discord, llm } = harness;
    llm.reset();
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: 'crash' }).id;
    const longReply = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 15, reply: { text: longReply } } });
    llm.enqueue({ text: 'The complete answer, after the restart.' });

    const sessionsBefore = discord.gatewaySessions().filter((session) => session.connected).length;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, ...harness.env({ LEASE_SECONDS: '2', STREAM_EDIT_INTERVAL_MS: '200' }) },
      stdio: 'ignore',
    });
    children.push(child);
    await discord.waitFor(() => discord.gatewaySessions().filter((session) => session.connected).length > sessionsBefore || undefined, { timeoutMs: 20_000 });

    const asked = harness.mention('tell me a long story', { channelId });
    const partial = await discord.waitForMessage((message) => isBot(harness)(message) && message.channel_id === channelId && message.id > asked.id, { timeoutMs: 10_000 });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(discord.message(partial.id)!.content).not.toBe(longReply);

    await harness.restartBots();
    await discord.waitFor(() => discord.message(partial.id)?.content === 'The complete answer, after the restart.' || undefined, { timeoutMs: 10_000 });
    expect(harness.botMessages(channelId)).toHaveLength(1);
    expect(llm.requests).toHaveLength(2);
  }, 60_000);
});
