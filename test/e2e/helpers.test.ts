import { MessageFlags } from 'discord-api-types/v10';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest, ScriptedResponse } from '../support/llm/types.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import type { App } from '../../src/app.js';
import { deployCommands } from '../../src/commands/deployCommands.js';
import { HEADER_EDITS_PER_CHANNEL_SECOND } from '../../src/db/repositories/dispatchRepository.js';
import { HANG, helperTask, lastToolResult } from '../support/e2e/helperScripts.js';

describe.each(testDrivers())('recursive helpers (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  let channelId: string;

  beforeAll(async () => {
    harness = await startHarness(driver);
    bot = await harness.startBot();
  });
  beforeEach(() => {
    harness.llm.reset();
    channelId = harness.discord.createChannel({ guildId: harness.discord.seed.guildId, name: `helpers-${Date.now()}` }).id;
  });
  afterAll(() => harness.close());

  it('/spawn opens a header and a thread, works there, and posts the result back in the channel, where the agent can discuss it', async () => {
    const { discord } = harness;
    harness.llm.respondWith((request) => (helperTask(request) ? { text: 'The answer is 42, because six times seven.' } : undefined));
    const answer = await harness.runCommand({ channelId, userId: discord.seed.alice.id, name: 'spawn', options: { task: 'Work out the answer', helper: 'researcher' } });
    expect(answer.ephemeral).toBe(true);
    expect(answer.text).toMatch(/Started \*\*researcher\*\*/);

    const result = await discord.waitForMessage((message) => message.channel_id === channelId && message.content.includes('🪆 **researcher** done ✓'), { timeoutMs: 10_000 });
    expect(result.content).toContain('The answer is 42');
    expect((result.flags ?? 0) & MessageFlags.SuppressNotifications).toBe(MessageFlags.SuppressNotifications);

    const [thread] = discord.threads(channelId);
    expect(thread?.name).toBe('researcher · Work out the answer');
    const header = discord.message(thread!.id)!;
    await discord.waitFor(() => discord.message(thread!.id)!.content.includes('done ✓') || undefined, { timeoutMs: 5000, description: 'the header marked done' });
    expect(header.content).toContain('🪆 **researcher** · Work out the answer');
    expect(discord.message(thread!.id)!.components ?? []).toHaveLength(0);
    const work = harness.botMessages(thread!.id);
    expect(work.map((message) => message.content)).toContain('The answer is 42, because six times seven.');
    expect(work.every((message) => ((message.flags ?? 0) & MessageFlags.SuppressNotifications) !== 0)).toBe(true);

    // The result is in the channel agent's conversation, already said: its next prompt holds it.
    const question = harness.mention('what did the researcher find?', { channelId });
    await harness.replyAfter(question.id, { channelId, timeoutMs: 5000 });
    const prompt = JSON.stringify(harness.llm.requests.at(-1)!.messages);
    expect(prompt).toContain('The answer is 42');
  }, 30_000);

  it('three helpers in parallel, one spawning two more: the channel agent continues once, with every result', async () => {
    const { discord } = harness;
    const script = (request: RecordedRequest): ScriptedResponse | undefined => {
      const task = helperTask(request);
      const toolResult = lastToolResult(request);
      const lastUser = request.lastUserText ?? '';
      if (task === null) {
        if (lastUser.startsWith('Results of the 3 helpers')) return { text: 'Combined: A, B and C are done.' };
        if (toolResult) return { text: 'I started three helpers; I will report back.' };
        return {
          toolCalls: [
            {
              name: 'spawn_helpers',
              arguments: {
                helpers: [
                  { task: 'Plan part A of the launch', helper: 'planner' },
                  { task: 'Research part B of the launch', helper: 'researcher' },
                  { task: 'Critique part C of the launch', helper: 'critic' },
                ],
              },
            },
          ],
        };
      }
      if (task.startsWith('Plan part A')) {
        if (lastUser.startsWith('Results of the 2 helpers')) return { text: 'Plan A: both halves are ready.' };
        if (toolResult) return { text: 'Waiting for my two helpers.' };
        return { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: [{ task: 'Draft the first half of A' }, { task: 'Draft the second half of A', helper: 'coder' }] } }] };
      }
      return { text: `Finished: ${task}` };
    };
    harness.llm.respondWith(script);
    const ask = harness.mention('launch it, in parts', { channelId });
    await discord.waitForMessage((message) => message.channel_id === channelId && message.id > ask.id && message.content === 'Combined: A, B and C are done.', { timeoutMs: 20_000 });

    const continuing = harness.llm.requests.filter((request) => helperTask(request) === null && (request.lastUserText ?? '').startsWith('Results of'));
    expect(continuing).toHaveLength(1);
    const results = continuing[0]!.lastUserText!;
    expect(results).toContain('planner — done ✓');
    expect(results).toContain('Plan A: both halves are ready.');
    expect(results).toContain('Finished: Research part B of the launch');
    expect(results).toContain('Finished: Critique part C of the launch');
    const planner = harness.llm.requests.find((request) => (request.lastUserText ?? '').startsWith('Results of the 2 helpers'));
    expect(planner?.lastUserText).toContain('Finished: Draft the second half of A');
    // Five threads, all opened in the channel (threads cannot nest); depth-2 headers show their lineage.
    expect(discord.threads(channelId)).toHaveLength(5);
    const nested = discord.channelMessages(channelId).find((message) => message.content.includes('Draft the second half of A'));
    expect(nested?.content).toContain('-# planner › coder');

    // Header edits share the channel's rate limit with chat: at most two a second in the channel,
    // and coalescing never loses a header's last state.
    const threadIds = discord.threads(channelId).map((thread) => thread.id);
    await discord.waitFor(() => threadIds.every((id) => discord.messageHistory(id)!.current.content.includes('done ✓')), { timeoutMs: 10_000 });
    const edits = threadIds.flatMap((id) => discord.messageHistory(id)!.revisions.map((revision) => revision.replacedAt)).sort((a, b) => a - b);
    expect(edits.length).toBeGreaterThanOrEqual(threadIds.length);
    for (let index = HEADER_EDITS_PER_CHANNEL_SECOND; index < edits.length; index++) {
      expect(edits[index]! - edits[index - HEADER_EDITS_PER_CHANNEL_SECOND]!).toBeGreaterThanOrEqual(1000);
    }

    // Tools are deny-by-default: the critic was not offered spawn_helpers, nor any helper forget.
    const critic = harness.llm.requests.find((request) => helperTask(request)?.startsWith('Critique'));
    expect(critic?.toolNames).toEqual(['remember', 'recall']);
    for (const request of harness.llm.requests.filter((candidate) => helperTask(candidate))) expect(request.toolNames).not.toContain('forget');

    // Every usage row of the tree adds up to the tokens its agents report.
    const [sums] = await bot.database.rows<{ usage: string; agents: string }>(sql`
      select (select sum(u.prompt_tokens + u.completion_tokens) from usage u join agents a on a.id = u.agent_id where a.kind = 'helper' and a.home_channel_id = ${channelId}) as usage,
             (select sum(tokens_used) from agents where kind = 'helper' and home_channel_id = ${channelId}) as agents`);
    expect(Number(sums!.usage)).toBeGreaterThan(0);
    expect(Number(sums!.agents)).toBe(Number(sums!.usage));
  }, 40_000);

  it('runs only the tools a helper was offered: a critic calling forget or spawn_helpers is refused', async () => {
    const { discord } = harness;
    harness.llm.respondWith((request) => {
      if (helperTask(request) === null || lastToolResult(request)) return undefined;
      return { toolCalls: [{ name: 'forget', arguments: { fact_id: 1 } }, { name: 'spawn_helpers', arguments: { helpers: [{ task: 'a narrower check' }] } }] };
    });
    await harness.runCommand({ channelId, userId: discord.seed.alice.id, name: 'spawn', options: { task: 'Check the plan', helper: 'critic' } }, { timeoutMs: 10_000 });
    await discord.waitForMessage((message) => message.channel_id === channelId && message.content.includes('🪆 **critic** done ✓'), { timeoutMs: 10_000 });
    const results = harness.llm.requests.filter((request) => helperTask(request) && lastToolResult(request)).map((request) => JSON.stringify(request.messages.slice(-2)));
    expect(results.join('\n')).toContain('Error: there is no tool named \\"forget\\"');
    expect(results.join('\n')).toContain('Error: there is no tool named \\"spawn_helpers\\"');
    expect(discord.threads(channelId)).toHaveLength(1);
  }, 30_000);

  it('deleting the channel cancels its agent\'s trees, aborting the running model call', async () => {
    const { discord } = harness;
    harness.llm.respondWith((request) => (helperTask(request) ? HANG : undefined));
    await harness.runCommand({ channelId, userId: discord.seed.alice.id, name: 'spawn', options: { task: 'Watch the logs' } }, { timeoutMs: 10_000 });
    const call = await discord.waitFor(() => harness.llm.requests.find((request) => helperTask(request) === 'Watch the logs'), { timeoutMs: 10_000, description: 'the helper at the model' });
    discord.deleteChannel(channelId);
    await discord.waitFor(() => call.abandonedAt ?? undefined, { timeoutMs: 5000, description: 'the hung model call aborted' });
    const [helper] = await bot.database.rows<{ lifecycle: string; result: string }>(sql`select lifecycle, result from agents where kind = 'helper' and home_channel_id = ${channelId}`);
    expect(helper).toEqual({ lifecycle: 'cancelled', result: 'cancelled: its channel was deleted' });
  }, 30_000);

  it('/spawn in a DM says why it cannot start a helper there', async () => {
    const { discord } = harness;
    // Global commands: the harness registers them for its server only, and DMs see only global ones.
    await deployCommands({ apiUrl: discord.apiUrl, token: discord.token });
    const dm = discord.openDirectMessage(discord.seed.alice.id);
    const { responses } = await harness.runCommand({ channelId: dm.id, userId: discord.seed.alice.id, name: 'spawn', options: { task: 'Plan the launch' } });
    expect(discord.message(responses.original!.id)!.content).toContain('Helpers work in threads, and DMs have none');
    expect(harness.llm.requests.filter((request) => helperTask(request) !== null)).toHaveLength(0);
  });

  it('offers no spawn_helpers in DMs', async () => {
    const { discord } = harness;
    const dm = discord.openDirectMessage(discord.seed.alice.id);
    const message = discord.userSays({ channelId: dm.id, authorId: discord.seed.alice.id, content: 'hello there' });
    await harness.replyAfter(message.id, { channelId: dm.id });
    expect(harness.llm.requests.at(-1)!.toolNames).not.toContain('spawn_helpers');
  });
});
