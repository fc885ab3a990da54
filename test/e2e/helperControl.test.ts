import { type APIMessage, ComponentType, PermissionFlagsBits } from 'discord-api-types/v10';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../support/llm/types.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import type { App } from '../../src/app.js';
import { HANG, helperTask, lastToolResult } from '../support/e2e/helperScripts.js';

/*
 * Controlling helpers once they work: Cancel (the header's button and /cancel, with who may), people
 * writing in a helper's thread while it runs and after it finished, chat elsewhere staying prompt
 * while a tree works, threads Discord refuses, and commands used in a helper's thread.
 */

function promptText(request: RecordedRequest): string {
  return JSON.stringify(request.messages);
}

/** The custom ids of a message's buttons. */
function buttonIds(message: APIMessage | undefined): string[] {
  return (message?.components ?? []).flatMap((row) =>
    'components' in row ? row.components.flatMap((component) => (component.type === ComponentType.Button && 'custom_id' in component ? [component.custom_id] : [])) : [],
  );
}

interface HelperRow extends Record<string, unknown> {
  id: number;
  header_id: string | null;
  task: string;
  lifecycle: string;
  run_state: string;
  lease_owner: string | null;
  result: string | null;
}

describe.each(testDrivers())('controlling helpers (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  let channelId: string;
  const alice = () => harness.discord.seed.alice.id;
  const bob = () => harness.discord.seed.bob.id;
  const guildId = () => harness.discord.seed.guildId;

  beforeAll(async () => {
    harness = await startHarness(driver);
    bot = await harness.startBot();
  });
  beforeEach(() => {
    harness.llm.reset();
    channelId = harness.discord.createChannel({ guildId: guildId(), name: `control-${Date.now()}` }).id;
  });
  // A test that failed midway must not leave hung helpers holding the worker's helper slots.
  afterEach(async () => {
    const homes = await bot.database.rows<{ home: string }>(sql`select distinct home_channel_id as home from agents where kind = 'helper' and lifecycle in ('active', 'waiting')`);
    for (const { home } of homes) await harness.runCommand({ channelId: home, userId: alice(), name: 'cancel' });
  });
  afterAll(() => harness.close());

  /** The helpers whose headers are in `home`, oldest first. */
  const helpersIn = (home: string) =>
    bot.database.rows<HelperRow>(sql`
      select id::int as id, channel_id as header_id, task, lifecycle, run_state, lease_owner, result
      from agents where kind = 'helper' and home_channel_id = ${home} order by id`);

  const requestsFor = (task: string) => harness.llm.requests.filter((request) => helperTask(request) === task);

  /** The first model call of the helper with this task, once it arrived (it may be hanging). */
  const firstCallOf = (task: string, timeoutMs = 5000) =>
    harness.discord.waitFor(() => requestsFor(task)[0], { timeoutMs, description: `a model call of the helper "${task}"` });

  /** A helper's header in its channel: `🪆 **name** · task`, then its status. */
  const headerOf = (home: string, name: string, task: string) =>
    harness.discord.channelMessages(home).find((message) => message.author.id === harness.discord.bot.id && message.content.startsWith(`🪆 **${name}** · ${task}`));

  const waitForHeader = (home: string, name: string, task: string, shows: (header: APIMessage) => boolean, timeoutMs = 5000) =>
    harness.discord.waitFor(
      () => {
        const header = headerOf(home, name, task);
        return header && shows(header) ? header : undefined;
      },
      { timeoutMs, description: `the header of ${name} · ${task}` },
    );

  const endedCancelled = (header: APIMessage) => /^cancelled · /m.test(header.content) && buttonIds(header).length === 0;

  // /spawn waits up to about 2 s for its thread before it answers: more than a command's usual 5 s on a loaded machine.
  const spawn = (task: string, helper: string, userId = alice(), where = channelId) =>
    harness.runCommand({ channelId: where, userId, name: 'spawn', options: { task, helper } }, { timeoutMs: 10_000 });

  /** Waits for the bot's message in a channel or thread that says exactly `content`. */
  const botSays = (where: string, content: string, timeoutMs = 5000) =>
    harness.discord.waitForMessage((message) => message.channel_id === where && message.author.id === harness.discord.bot.id && message.content === content, { timeoutMs });

  it('/cancel: refused to a member without Manage Messages, done by one with it; with no helper it ends every live tree; autocomplete lists the live helpers', async () => {
    const { discord } = harness;
    harness.llm.respondWith((request) => {
      const task = helperTask(request);
      if (task === 'Compare the two vendors') return lastToolResult(request) !== null ? { text: 'Waiting for the price.' } : { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: [{ task: 'Price the first vendor' }] } }] };
      return task ? HANG : undefined;
    });
    await spawn('Survey the hosting options', 'researcher');
    await spawn('Compare the two vendors', 'planner');
    await spawn('Summarise the meeting notes', 'summarizer');
    const hung = await Promise.all(['Survey the hosting options', 'Price the first vendor', 'Summarise the meeting notes'].map((task) => firstCallOf(task)));
    await waitForHeader(channelId, 'planner', 'Compare the two vendors', (header) => header.content.includes('waiting on 1 helper'));
    const byTask = new Map((await helpersIn(channelId)).map((helper) => [helper.task, helper]));
    const [survey, compare, price, summary] = ['Survey the hosting options', 'Compare the two vendors', 'Price the first vendor', 'Summarise the meeting notes'].map((task) => byTask.get(task));

    // Autocomplete offers this channel's live helpers (a subtree's child too), filtered by what is typed, and nothing elsewhere.
    const listed = await discord.requestAutocomplete({ channelId, userId: bob(), name: 'cancel', options: { helper: '' }, focused: 'helper' });
    // Oldest first (the planner's child may have been created before or after the summarizer).
    const oldestFirst = (choices: unknown[]) => [...(choices as Array<{ value: string }>)].sort((left, right) => Number(left.value) - Number(right.value));
    expect(listed.choices).toEqual(
      oldestFirst([
        { name: 'researcher · Survey the hosting options', value: String(survey!.id) },
        { name: 'planner · Compare the two vendors', value: String(compare!.id) },
        { name: 'helper · Price the first vendor', value: String(price!.id) },
        { name: 'summarizer · Summarise the meeting notes', value: String(summary!.id) },
      ]),
    );
    const typed = await discord.requestAutocomplete({ channelId, userId: bob(), name: 'cancel', options: { helper: 'vendor' }, focused: 'helper' });
    expect(typed.choices.map((choice) => (choice as { value: string }).value)).toEqual([String(compare!.id), String(price!.id)]);
    const elsewhere = await discord.requestAutocomplete({ channelId: discord.seed.generalId, userId: alice(), name: 'cancel', options: { helper: '' }, focused: 'helper' });
    expect(elsewhere.choices).toEqual([]);

    // Bob started none of them and may not manage messages: refused, by command and by button, and nothing ends.
    const byName = await harness.runCommand({ channelId, userId: bob(), name: 'cancel', options: { helper: String(survey!.id) } });
    expect(byName.ephemeral).toBe(true);
    expect(byName.text).toContain(`Only <@${alice()}>, who started its tree, or someone with the **Manage Messages** permission can cancel the **researcher** helper.`);
    const everything = await harness.runCommand({ channelId, userId: bob(), name: 'cancel' });
    expect(everything.ephemeral).toBe(true);
    expect(everything.text).toContain('The 4 helpers working here were started by others: cancelling them needs the **Manage Messages** permission.');
    const header = headerOf(channelId, 'researcher', 'Survey the hosting options')!;
    const click = discord.clickButton({ messageId: header.id, customId: `cancel:${survey!.id}`, userId: bob() });
    const clicked = await discord.waitForInteractionResponse(click.id, (responses) => responses.callbacks.length > 0);
    expect(clicked.ephemeral).toBe(true);
    expect(clicked.original?.content).toContain(`Only <@${alice()}>`);
    expect((await helpersIn(channelId)).filter((helper) => helper.lifecycle === 'cancelled')).toEqual([]);
    expect(hung.map((request) => request.abandonedAt)).toEqual([undefined, undefined, undefined]);

    // Carol is a moderator (Manage Messages through a role): she may cancel what Alice started.
    const carol = discord.createUser({ username: 'carol' });
    const moderators = discord.createRole({ guildId: guildId(), name: 'Moderators', permissions: PermissionFlagsBits.ManageMessages });
    discord.addMember({ guildId: guildId(), userId: carol.id, roleIds: [moderators.id] });
    const one = await harness.runCommand({ channelId, userId: carol.id, name: 'cancel', options: { helper: String(survey!.id) } });
    expect(one.ephemeral).toBe(true);
    expect(one.text).toBe('Cancelled **researcher**.');
    await waitForHeader(channelId, 'researcher', 'Survey the hosting options', endedCancelled);
    await discord.waitFor(() => hung[0]!.abandonedAt, { description: 'the researcher\'s model call aborted' });
    await discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith('🪆 **researcher** cancelled'));

    // With no helper named: every live tree of the channel, the planner's subtree included.
    const rest = await harness.runCommand({ channelId, userId: carol.id, name: 'cancel' });
    expect(rest.text).toBe('Cancelled 3 helpers.');
    for (const [name, task] of [['planner', 'Compare the two vendors'], ['helper', 'Price the first vendor'], ['summarizer', 'Summarise the meeting notes']] as const) {
      await waitForHeader(channelId, name, task, endedCancelled);
    }
    await discord.waitFor(() => hung.every((request) => request.abandonedAt) || undefined, { description: 'every hung model call aborted' });
    expect((await helpersIn(channelId)).map((helper) => helper.lifecycle)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    const after = await discord.requestAutocomplete({ channelId, userId: carol.id, name: 'cancel', options: { helper: '' }, focused: 'helper' });
    expect(after.choices).toEqual([]);
    const nothing = await harness.runCommand({ channelId, userId: carol.id, name: 'cancel' });
    expect(nothing.text).toBe('No helpers are working here: there was nothing to cancel.');
  }, 25_000);

  it('a message in a running helper\'s thread reaches its next turn, and the helper answers it there', async () => {
    const task = 'Write the release notes';
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    harness.llm.respondWith(async (request) => {
      if (helperTask(request) !== task) return undefined;
      if ((request.lastUserText ?? '').includes('new logo')) return { text: 'Added a line about the new logo.' };
      // The first call answers only once the person has written in the thread.
      await held;
      return { text: 'Release notes: sync is twice as fast.' };
    });
    await spawn(task, 'helper');
    const first = await firstCallOf(task);
    const [helper] = await helpersIn(channelId);
    const threadId = helper!.header_id!;
    const steer = harness.discord.userSays({ channelId: threadId, authorId: bob(), content: 'Please mention the new logo too.' });
    expect(await harness.taken(steer.id)).toBe('queued');
    release();

    await botSays(threadId, 'Added a line about the new logo.');
    expect(promptText(first)).not.toContain('new logo');
    const [, next] = requestsFor(task);
    expect(next?.lastUserText).toContain('Please mention the new logo too.');
    expect(promptText(next!)).toContain('Release notes: sync is twice as fast.');
    expect(harness.botMessages(threadId).map((message) => message.content)).toEqual(['Release notes: sync is twice as fast.', 'Added a line about the new logo.']);
    // The person steered it: the answer that saw their message is its result, posted once.
    const result = await harness.discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith('🪆 **helper** done ✓'));
    expect(result.content).toContain('Added a line about the new logo.');
    expect(harness.botMessages(channelId).filter((message) => message.content.startsWith('🪆 **helper** done ✓'))).toEqual([result]);
    expect(await helpersIn(channelId)).toMatchObject([{ lifecycle: 'done', result: 'Added a line about the new logo.' }]);
  });

  it('a follow-up in a finished helper\'s thread is answered there, with its conversation, and nothing goes to the channel again', async () => {
    const { discord } = harness;
    const task = 'Name three primary colours';
    harness.llm.respondWith((request) => {
      if (helperTask(request) !== task) return undefined;
      return (request.lastUserText ?? '').includes('Why those') ? { text: 'They are the primaries of light.' } : { text: 'Red, green and blue.' };
    });
    await spawn(task, 'researcher');
    await discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith('🪆 **researcher** done ✓'));
    await waitForHeader(channelId, 'researcher', task, (header) => header.content.includes('done ✓') && buttonIds(header).length === 0);
    const [helper] = await helpersIn(channelId);
    const threadId = helper!.header_id!;
    const channelBefore = discord.channelMessages(channelId).map((message) => message.id);
    const delivered = async () => {
      const [row] = await bot.database.rows<{ results: number; channel_messages: number }>(sql`
        select (select count(*)::int from outbox where kind = 'result' and channel_id = ${channelId}) as results,
               (select count(*)::int from messages m join agents a on a.id = m.agent_id where a.kind = 'channel' and a.channel_id = ${channelId}) as channel_messages`);
      return row!;
    };
    const before = await delivered();
    expect(before.results).toBe(1);

    const turns = harness.countTurns();
    const question = discord.userSays({ channelId: threadId, authorId: bob(), content: 'Why those three?' });
    await botSays(threadId, 'They are the primaries of light.');
    await turns.finished(1);

    const followUp = requestsFor(task).at(-1)!;
    expect(followUp.lastUserText).toContain('Why those three?');
    expect(promptText(followUp)).toContain('Red, green and blue.');
    expect(promptText(followUp)).toContain(task);
    // Ending the follow-up's turn wrote nothing for the spawner: no result post, no message in the channel agent's conversation.
    expect(await delivered()).toEqual(before);
    expect(discord.channelMessages(channelId).map((message) => message.id)).toEqual(channelBefore);
    expect(discord.channelMessages(channelId).some((message) => message.id > question.id)).toBe(false);
    const [ended] = await helpersIn(channelId);
    expect(ended).toMatchObject({ lifecycle: 'done', result: 'Red, green and blue.' });
    expect(headerOf(channelId, 'researcher', task)!.content).toContain('done ✓');
  });

  it('chat in another channel is answered at once while a tree\'s helpers hang', async () => {
    const { discord } = harness;
    const other = discord.createChannel({ guildId: guildId(), name: `elsewhere-${Date.now()}` }).id;
    const tasks = ['Audit the north region', 'Audit the south region', 'Audit the east region', 'Audit the west region', 'Audit the head office'];
    harness.llm.respondWith((request) => {
      if (helperTask(request)) return HANG;
      const lastUser = request.lastUserText ?? '';
      if (lastUser.startsWith('Results of')) return { text: 'The audit was cancelled.' };
      if (lastToolResult(request) !== null) return { text: 'Five auditors started.' };
      if (lastUser.includes('split the audit')) return { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: tasks.map((task) => ({ task })) } }] };
      return lastUser.includes('are you there') ? { text: 'Yes, right here.' } : undefined;
    });
    harness.mention('split the audit', { channelId });
    await botSays(channelId, 'Five auditors started.');
    // Helpers hold at most half of the worker slots: four hang, the fifth waits its turn.
    const hung = await harness.discord.waitFor(() => {
      const calls = harness.llm.requests.filter((request) => helperTask(request) !== null);
      return calls.length >= 4 ? calls : undefined;
    });

    const askedAt = Date.now();
    const asked = harness.mention('are you there?', { channelId: other });
    await harness.replyAfter(asked.id, { channelId: other, timeoutMs: 2000 });
    expect(Date.now() - askedAt).toBeLessThan(2000);

    const cancelled = await harness.runCommand({ channelId, userId: alice(), name: 'cancel' });
    expect(cancelled.text).toBe('Cancelled 5 helpers.');
    await botSays(channelId, 'The audit was cancelled.');
    await discord.waitFor(() => hung.every((request) => request.abandonedAt) || undefined, { description: 'every hung model call aborted' });
  });

  it('a helper whose thread Discord refuses fails visibly with the reason, and posts nothing in the channel instead', async () => {
    const { discord } = harness;
    harness.llm.respondWith((request) => (helperTask(request) ? { text: 'I should never be asked.' } : undefined));

    // No permission to start threads in this channel.
    discord.setChannelPermissions(channelId, [{ id: discord.bot.id, type: 'member', deny: PermissionFlagsBits.CreatePublicThreads }]);
    const refused = await spawn('Check the links', 'helper');
    expect(refused.text).toContain(`Started **helper**, but it ended at once: could not open its thread: I lack permission to create threads in <#${channelId}>`);
    const header = await waitForHeader(channelId, 'helper', 'Check the links', (shown) => shown.content.includes('failed ✗'));
    expect(buttonIds(header)).toEqual([]);
    const result = await discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith('🪆 **helper** failed ✗'));
    expect(result.content).toContain('could not open its thread: I lack permission to create threads');
    expect(discord.threads(channelId)).toEqual([]);
    expect(harness.botMessages(channelId).map((message) => message.id)).toEqual([header.id, result.id]);

    // The server is at Discord's limit of active threads (160006).
    const full = discord.createChannel({ guildId: guildId(), name: `full-${Date.now()}` }).id;
    const active = discord.describeState().guilds.find((guild) => guild.id === guildId())!.channels.filter((channel) => {
      const described = discord.channel(channel.id) as { thread_metadata?: { archived: boolean } };
      return described.thread_metadata !== undefined && !described.thread_metadata.archived;
    }).length;
    discord.setMaxActiveThreads(active);
    try {
      const limited = await spawn('Check the images', 'helper', alice(), full);
      expect(limited.text).toContain("Started **helper**, but it ended at once: could not open its thread: this server has reached Discord's limit of active threads");
      const limitedHeader = await waitForHeader(full, 'helper', 'Check the images', (shown) => shown.content.includes('failed ✗'));
      expect(buttonIds(limitedHeader)).toEqual([]);
      const limitedResult = await discord.waitForMessage((message) => message.channel_id === full && message.content.startsWith('🪆 **helper** failed ✗'));
      expect(limitedResult.content).toContain("could not open its thread: this server has reached Discord's limit of active threads");
      expect(discord.threads(full)).toEqual([]);
      expect(harness.botMessages(full).map((message) => message.id)).toEqual([limitedHeader.id, limitedResult.id]);
    } finally {
      discord.setMaxActiveThreads(1000);
    }
    expect(harness.llm.requests.filter((request) => helperTask(request) !== null)).toEqual([]);
    expect((await helpersIn(channelId)).map((helper) => helper.lifecycle)).toEqual(['failed']);
  });

  it('in a helper\'s thread, /persona and /agent say whose thread it is, /spawn refuses, and /usage and /cancel work', async () => {
    const { discord } = harness;
    const task = 'Draft the onboarding checklist';
    harness.llm.respondWith((request) => (helperTask(request) === task ? HANG : undefined));
    await spawn(task, 'planner');
    const hung = await firstCallOf(task);
    const [helper] = await helpersIn(channelId);
    const threadId = helper!.header_id!;

    const persona = await harness.runCommand({ channelId: threadId, userId: alice(), name: 'persona', subcommand: 'show' });
    expect(persona.ephemeral).toBe(true);
    expect(persona.text).toContain(`This thread belongs to the **planner** helper: change the channel's agent with /persona from <#${channelId}>, or /cancel the helper.`);
    const mode = await harness.runCommand({ channelId: threadId, userId: alice(), name: 'agent', subcommand: 'mode', options: { mode: 'off' } });
    expect(mode.text).toContain('This thread belongs to the **planner** helper');
    const nested = await harness.runCommand({ channelId: threadId, userId: alice(), name: 'spawn', options: { task: 'Something else' } });
    expect(nested.text).toContain('This is a helper\'s thread');
    const usage = await harness.runCommand({ channelId: threadId, userId: bob(), name: 'usage' });
    expect(usage.ephemeral).toBe(true);
    expect(usage.text).toContain('**Token usage**');
    expect(usage.text).toContain('This server — today:');
    // None of these made a channel agent in the thread, nor changed the helper.
    const inThread = await bot.database.rows<{ kind: string; reply_mode: string }>(sql`select kind, reply_mode from agents where channel_id = ${threadId}`);
    expect(inThread).toEqual([{ kind: 'helper', reply_mode: 'all' }]);

    const cancelled = await harness.runCommand({ channelId: threadId, userId: alice(), name: 'cancel' });
    expect(cancelled.text).toBe('Cancelled 1 helper.');
    await waitForHeader(channelId, 'planner', task, endedCancelled);
    await discord.waitFor(() => hung.abandonedAt, { description: 'the planner\'s model call aborted' });
  });

  // Two bots on one database: each runs one helper at a time (WORKER_CONCURRENCY=2), so the two
  // hung children run in different bots, and whichever takes the click, one of the aborted calls
  // is in the other. Last, since it leaves two bots running.
  it.runIf(driver === 'postgres')('Cancel under a header ends the running subtree in every process: calls aborted within 2 s, headers marked, the spawner continues once', async () => {
    const { discord } = harness;
    bot = await harness.restartBots({ WORKER_CONCURRENCY: '2' });
    const second = await harness.startBot({ WORKER_CONCURRENCY: '2' });
    const children = ['Inventory the tables', 'Estimate the downtime', 'Draft the rollback steps'];
    harness.llm.respondWith((request) => {
      const task = helperTask(request);
      const lastUser = request.lastUserText ?? '';
      if (task === null) {
        if (lastUser.startsWith('Results of')) return { text: 'The migration plan was cancelled; stopping here.' };
        if (lastToolResult(request) !== null) return { text: 'A planner is on it.' };
        return { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: [{ task: 'Plan the database migration', helper: 'planner' }] } }] };
      }
      if (task === 'Plan the database migration') {
        if (lastUser.startsWith('Results of')) return { text: 'Plan: (should never be written)' };
        if (lastToolResult(request) !== null) return { text: 'Waiting for my three helpers.' };
        return { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: children.map((child) => ({ task: child })) } }] };
      }
      return HANG;
    });
    harness.mention('plan the migration', { channelId });
    await botSays(channelId, 'A planner is on it.');
    const hung = await discord.waitFor(() => {
      const calls = children.flatMap((child) => requestsFor(child));
      return calls.length >= 2 ? calls : undefined;
    });
    await waitForHeader(channelId, 'planner', 'Plan the database migration', (header) => header.content.includes('waiting on 3 helpers'));
    const running = (await helpersIn(channelId)).filter((helper) => helper.run_state === 'running');
    expect(running).toHaveLength(2);
    expect(new Set(running.map((helper) => helper.lease_owner))).toEqual(new Set([bot.owner, second.owner]));

    const [planner] = await helpersIn(channelId);
    const plannerHeader = headerOf(channelId, 'planner', 'Plan the database migration')!;
    expect(buttonIds(plannerHeader)).toEqual([`cancel:${planner!.id}`]);
    const clickedAt = Date.now();
    const click = discord.clickButton({ messageId: plannerHeader.id, customId: `cancel:${planner!.id}`, userId: alice() });
    await discord.waitFor(() => hung.every((request) => request.abandonedAt) || undefined, { timeoutMs: 3000, description: 'both hung model calls aborted' });
    for (const request of hung) expect(request.abandonedAt!.getTime() - clickedAt).toBeLessThan(2000);

    // Every helper of the subtree ends cancelled, its header says so and has no button left.
    await waitForHeader(channelId, 'planner', 'Plan the database migration', endedCancelled);
    for (const child of children) await waitForHeader(channelId, 'helper', child, endedCancelled);
    expect((await helpersIn(channelId)).map((helper) => helper.lifecycle)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    // One bot answered the click; the queued third child never started.
    expect(discord.interactionResponses(click.id).callbacks).toHaveLength(1);
    expect(requestsFor('Draft the rollback steps').length + requestsFor('Estimate the downtime').length + requestsFor('Inventory the tables').length).toBe(2);

    // The channel agent receives "cancelled" as the planner's result and continues once.
    await botSays(channelId, 'The migration plan was cancelled; stopping here.');
    const continuing = harness.llm.requests.filter((request) => helperTask(request) === null && (request.lastUserText ?? '').startsWith('Results of'));
    expect(continuing).toHaveLength(1);
    expect(continuing[0]!.lastUserText).toContain('planner — cancelled');
    expect(continuing[0]!.lastUserText).toContain(`cancelled by <@${alice()}>`);
    expect(requestsFor('Plan the database migration').some((request) => (request.lastUserText ?? '').startsWith('Results of'))).toBe(false);
    expect(harness.botMessages(channelId).filter((message) => message.content === 'The migration plan was cancelled; stopping here.')).toHaveLength(1);
  }, 30_000);
});
