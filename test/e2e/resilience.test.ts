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

  const retryButtonOf = (message: APIMessage) => (message.components?.[0] as { components: Array<{ custom_id: string; label: string }> } | undefined)?.components[0];

  it('says what went wrong after the last try, keeps the message, and answers in the notice when Retry is pressed', async () => {
    const { discord, llm } = harness;
    llm.reset();
    llm.enqueue({ fault: { kind: 'status', status: 503 } }, { times: 3 });
    const asked = harness.mention('are you up?');
    const notice = await discord.waitForMessage((message) => isBot(harness)(message) && message.id > asked.id);
    expect(llm.requests).toHaveLength(3);
    expect(notice.content).toContain('the model provider is unavailable (tried 3 times)');
    expect(notice.content).toContain('Your message is saved');
    const button = retryButtonOf(notice)!;
    expect(button.label).toBe('Retry');
    expect(discord.pings.filter((ping) => ping.messageId === notice.id)).toEqual([]);

    discord.clickButton({ messageId: notice.id, customId: button.custom_id, userId: discord.seed.bob.id });
    // Retry's answer takes the notice's place: one message, now the answer, without its button.
    await discord.waitFor(() => discord.message(notice.id)?.content.includes('are you up?') || undefined);
    expect(JSON.stringify(llm.lastRequest()!.messages)).toContain('are you up?');
    expect(discord.message(notice.id)!.components ?? []).toEqual([]);
    expect(harness.botMessages(discord.seed.generalId).filter((message) => message.id > asked.id)).toHaveLength(1);
  });

  it('outlasts a burst of Discord 5xx longer than discord.js\'s own retries, posting the answer once', async () => {
    const { discord, llm } = harness;
    llm.reset();
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: `burst-${driver}` }).id;
    const asked = harness.mention('still there?', { channelId });
    // discord.js tries each request 4 times: 8 failures in a row need two retries of ours.
    discord.faults.failNextRest(8, 502);
    const answer = await harness.replyAfter(asked.id, { channelId, timeoutMs: 10_000 });
    expect(answer.content).toContain('still there?');
    expect(harness.botMessages(channelId)).toHaveLength(1);
  });

  it('replaces a half-written reply with the notice, and the next answer replaces the notice', async () => {
    const { discord, llm } = harness;
    llm.reset();
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: `cut-${driver}` }).id;
    const partial = { kind: 'cutStream', afterChunks: 3, reply: { text: 'half of an answer that never ends well' } } as const;
    llm.enqueue({ fault: partial }, { times: 3 });
    const asked = harness.mention('tell me something', { channelId });
    const shown = await discord.waitForMessage((message) => isBot(harness)(message) && message.channel_id === channelId);
    await discord.waitFor(() => (discord.message(shown.id)!.content.startsWith('⚠️') ? true : undefined));
    expect(discord.message(shown.id)!.content).toContain('Your message is saved');
    expect(retryButtonOf(discord.message(shown.id)!)?.label).toBe('Retry');
    expect(harness.botMessages(channelId)).toHaveLength(1);

    // Not Retry but a new message: its answer (covering both) goes into the notice, and the button goes.
    llm.enqueue({ text: 'Both answered at last.' });
    harness.mention('hello?', { channelId });
    await discord.waitFor(() => discord.message(shown.id)?.content === 'Both answered at last.' || undefined);
    expect(discord.message(shown.id)!.components ?? []).toEqual([]);
    expect(harness.botMessages(channelId)).toHaveLength(1);
    expect(asked.id < shown.id).toBe(true);
  });

  it('says "Retrying…" once when Retry is pressed by two people at once', async () => {
    const { discord, llm } = harness;
    llm.reset();
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: `twice-${driver}` }).id;
    llm.enqueue({ fault: { kind: 'status', status: 400 } });
    harness.mention('fail once', { channelId });
    const notice = await discord.waitForMessage((message) => isBot(harness)(message) && message.channel_id === channelId);
    // The answer waits until both presses are in, so both see the notice as it was.
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 5, reply: { text: 'retried answer' } } });
    const button = retryButtonOf(notice)!;
    const first = discord.clickButton({ messageId: notice.id, customId: button.custom_id, userId: discord.seed.bob.id });
    const second = discord.clickButton({ messageId: notice.id, customId: button.custom_id, userId: discord.seed.alice.id });
    await Promise.all([first, second].map(({ id }) => discord.waitForInteractionResponse(id, (current) => current.callbacks.length > 0)));
    const marked = discord.message(notice.id)!.content;
    expect(marked.match(/Retrying/g)).toHaveLength(1);
    await discord.waitFor(() => discord.message(notice.id)?.content === 'retried answer' || undefined);
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
      console.log(JSON.stringify(await harness.database.rows(sql`select id, channel_id, run_state, wake_seq, lease_owner, queued_at from agents`), null, 1));
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

  it('completes a turn whose process was killed mid-reply at once, without posting it twice', async () => {
    const { discord, llm } = harness;
    llm.reset();
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: 'crash' }).id;
    const longReply = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 15, reply: { text: longReply } } });
    llm.enqueue({ text: 'The complete answer, after the restart.' });

    const sessionsBefore = discord.gatewaySessions().filter((session) => session.connected).length;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      // The default lease (15 s): the restarted bot sees that the process holding it is gone and takes it at once.
      env: { PATH: process.env.PATH, ...harness.env({ STREAM_EDIT_INTERVAL_MS: '200' }) },
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
    const restartedAt = Date.now();
    // Far sooner than the 15 s lease would run out.
    await discord.waitFor(() => discord.message(partial.id)?.content === 'The complete answer, after the restart.' || undefined, { timeoutMs: 5_000 });
    expect(Date.now() - restartedAt).toBeLessThan(5_000);
    expect(harness.botMessages(channelId)).toHaveLength(1);
    expect(llm.requests).toHaveLength(2);
  }, 60_000);
});
