import { type APIMessage, ComponentType, MessageFlags, PermissionFlagsBits } from 'discord-api-types/v10';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseSchedule } from '../../src/scheduler/cronSchedule.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import { helperTask, lastToolResult } from '../support/e2e/helperScripts.js';
import {
  EVERY_TWO_SECONDS,
  addSchedule,
  asDate,
  eventually,
  firingScheduleId,
  pauseAllSchedules,
  runsOf,
  scheduleRow,
} from '../support/e2e/scheduleScripts.js';
import type { RecordedRequest, ScriptedResponse } from '../support/llm/types.js';

/*
 * Schedules end to end: the emulator, the scripted model and the real bot, firing six-field
 * patterns every 2 s (the bot allows a 1 s minimum here). Each test has a channel of its own and
 * pauses every schedule when it ends, so nothing fires into the next test.
 */

const SILENT = MessageFlags.SuppressNotifications;
const isSilent = (message: APIMessage) => ((message.flags ?? 0) & SILENT) === SILENT;

/** A pattern's next fire time (UTC). */
function nextFireTime(cron: string): Date {
  const parsed = parseSchedule(cron, 'UTC');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule.nextRuns(new Date(), 1)[0]!;
}

function buttonIds(message: APIMessage | undefined): string[] {
  return (message?.components ?? []).flatMap((row) =>
    'components' in row ? row.components.flatMap((component) => (component.type === ComponentType.Button && 'custom_id' in component ? [component.custom_id] : [])) : [],
  );
}

describe.each(testDrivers())('schedules (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  let channelId: string;

  beforeAll(async () => {
    harness = await startHarness(driver);
    bot = await harness.startBot({ SCHEDULE_MIN_INTERVAL_SECONDS: '1' });
  });
  beforeEach(() => {
    harness.llm.reset();
    channelId = harness.discord.createChannel({ guildId: harness.discord.seed.guildId, name: `schedules-${Date.now()}` }).id;
  });
  afterEach(() => pauseAllSchedules(bot));
  afterAll(() => harness.close());

  const guildId = () => harness.discord.seed.guildId;
  const alice = () => harness.discord.seed.alice.id;
  const bob = () => harness.discord.seed.bob.id;

  /** The channel's agent comes to be when it is first spoken to. */
  async function greet(where = channelId): Promise<void> {
    const hello = harness.mention('hello', { channelId: where });
    await harness.replyAfter(hello.id, { channelId: where });
  }

  /**
   * Gateway events reach the bot in order: once it has taken a message sent after a change (a
   * permission overwrite), it has the change too. Not addressed to the bot, the message is
   * ignored: nothing else happens in the channel.
   */
  async function greetBarrier(where = channelId): Promise<void> {
    const probe = harness.discord.userSays({ channelId: where, authorId: bob(), content: 'barrier, not addressed to the bot' });
    expect(await harness.taken(probe.id)).toBe('ignored');
  }

  /** The bot's post in the channel whose content is exactly `text` (a complete answer). */
  const postWith = (text: string, where = channelId, timeoutMs = 6000) =>
    harness.discord.waitForMessage((message) => message.channel_id === where && message.author.id === harness.discord.bot.id && message.content === text, { timeoutMs });

  /** The model answers each firing of a schedule with its id and the request's index. */
  const answerFirings = (request: RecordedRequest): ScriptedResponse | undefined => {
    const scheduleId = firingScheduleId(request);
    return scheduleId === null ? undefined : { text: `Firing of #${scheduleId} done (request ${request.index}).` };
  };

  it('fires and posts the answer silently; the scheduled-task message is in the conversation with its id and fire time', async () => {
    await greet();
    harness.llm.respondWith(answerFirings);
    const schedule = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task: 'Post the standup reminder.' });

    const posted = await harness.discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith(`Firing of #${schedule.id} done`), { timeoutMs: 6000 });
    expect(isSilent(posted)).toBe(true);
    expect(harness.discord.pings.filter((ping) => ping.messageId === posted.id)).toEqual([]);

    // The task entered the agent's conversation as a scheduled-task message: the model read it.
    const request = harness.llm.requests.find((candidate) => firingScheduleId(candidate) === schedule.id)!;
    expect(request.lastUserText).toContain('Post the standup reminder.');
    const [run] = await eventually(async () => {
      const runs = await runsOf(bot, schedule.id);
      return runs[0]?.status === 'done' && runs;
    }, 'the run settled');
    const fireAt = asDate(run!.fire_at)!;
    expect(fireAt.getTime() % 2000).toBe(0);
    expect(run!.late).toBe(false);
    const [message] = await bot.database.rows<{ content: string; input_kind: string; schedule_id: string | number; acts_for: string }>(
      sql`select content, input_kind, schedule_id, acts_for from messages where id = ${run!.message_id}`,
    );
    expect(message).toMatchObject({ input_kind: 'schedule', acts_for: alice() });
    expect(Number(message!.schedule_id)).toBe(schedule.id);
    const hhmm = `${String(fireAt.getUTCHours()).padStart(2, '0')}:${String(fireAt.getUTCMinutes()).padStart(2, '0')}`;
    expect(message!.content).toMatch(new RegExp(`^⏰ Scheduled task #${schedule.id} \\(fire time .*${hhmm} UTC; created by <@${alice()}>\\)`, 'u'));
    expect(message!.content).not.toContain('late');
    expect(request.lastUserText).toContain(message!.content.split('\n')[0]!);
    // Its turn acts for the creator, and the run links to it.
    const [turn] = await bot.database.rows<{ requested_by: string }>(sql`select requested_by from turns where id = ${run!.turn_id}`);
    expect(turn?.requested_by).toBe(alice());

    // People can ask about it later: the next prompt holds the firing and its answer.
    harness.llm.respondWith(undefined);
    await pauseAllSchedules(bot);
    const question = harness.mention('what did the schedule do?', { channelId });
    await harness.replyAfter(question.id, { channelId });
    const prompt = JSON.stringify(harness.llm.requests.at(-1)!.messages);
    expect(prompt).toContain(`Scheduled task #${schedule.id}`);
    expect(prompt).toContain(`Firing of #${schedule.id} done`);
  });

  it('notify posts with notifications; a mention role starts the post and is the only mention allowed', async () => {
    const { discord } = harness;
    const second = discord.createChannel({ guildId: guildId(), name: `schedules-mention-${Date.now()}` }).id;
    const role = discord.createRole({ guildId: guildId(), name: `standup-${Date.now()}`, permissions: 0n, mentionable: true });
    const other = discord.createRole({ guildId: guildId(), name: `other-${Date.now()}`, permissions: 0n, mentionable: true });
    await greet();
    await greet(second);
    // The model tries to ping another role and bob itself: only the creator's chosen role may ping.
    harness.llm.respondWith((request) => {
      const scheduleId = firingScheduleId(request);
      return scheduleId === null ? undefined : { text: `Standup time for #${scheduleId}, <@&${other.id}> and <@${bob()}>.` };
    });
    const notifying = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task: 'Say it is standup time.', notify: true });
    const mentioning = await addSchedule(bot, { guildId: guildId(), channelId: second, createdBy: alice(), task: 'Say it is standup time.', mentionRoleId: role.id });

    const loud = await postWith(`Standup time for #${notifying.id}, <@&${other.id}> and <@${bob()}>.`);
    expect(isSilent(loud)).toBe(false);
    expect(discord.pings.filter((ping) => ping.messageId === loud.id)).toEqual([]);

    const pinged = await postWith(`<@&${role.id}>\nStandup time for #${mentioning.id}, <@&${other.id}> and <@${bob()}>.`, second);
    expect(isSilent(pinged)).toBe(false);
    const posts = discord.restRequests.filter((request) => request.method === 'POST' && request.path === `/channels/${second}/messages` && request.status === 200);
    const firstPost = posts.find((request) => (request.body as { content?: string }).content?.startsWith(`<@&${role.id}>`));
    expect((firstPost?.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [], roles: [role.id] });
    const pings = discord.pings.filter((ping) => ping.channelId === second && ping.authorId === discord.bot.id);
    expect(pings.length).toBeGreaterThanOrEqual(1);
    for (const ping of pings) expect(ping).toMatchObject({ userIds: [], roleIds: [role.id], everyone: false });
  });

  it('schedule_task from chat: alice creates one (words, zone, next fire time), bob is refused; list_schedules and cancel_schedule', async () => {
    const { discord } = harness;
    const task = 'Post the daily standup reminder.';
    harness.llm.respondWith((request) => {
      const toolResult = lastToolResult(request);
      if (toolResult !== null) return { text: `Tool said: ${toolResult}` };
      if (firingScheduleId(request) !== null) return { text: `Reminder: ${task}` };
      const asked = request.lastUserText ?? '';
      if (asked.includes('remind us every two seconds')) return { toolCalls: [{ name: 'schedule_task', arguments: { cron: EVERY_TWO_SECONDS, task, timezone: 'Europe/Istanbul' } }] };
      if (asked.includes('which schedules')) return { toolCalls: [{ name: 'list_schedules', arguments: {} }] };
      const cancel = /stop schedule (\d+)/.exec(asked);
      if (cancel) return { toolCalls: [{ name: 'cancel_schedule', arguments: { id: Number(cancel[1]) } }] };
      return undefined;
    });

    // bob, a member without Manage Channels: refused, with the reason.
    const fromBob = harness.mention('remind us every two seconds to do standup', { channelId, authorId: bob() });
    const refused = await harness.replyAfter(fromBob.id, { channelId });
    expect(refused.content).toContain('Tool said: Not created: Changing schedules needs the Manage Channels permission in this channel');
    expect(refused.content).toContain(`<@${bob()}> does not have it`);
    expect(await bot.database.rows(sql`select id from schedules where channel_id = ${channelId}`)).toEqual([]);

    const fromAlice = harness.mention('remind us every two seconds to do standup', { channelId });
    const created = await harness.replyAfter(fromAlice.id, { channelId });
    const scheduleId = Number(/Created schedule \*\*#(\d+)\*\*/.exec(created.content)?.[1]);
    expect(scheduleId).toBeGreaterThan(0);
    expect(created.content).toContain('Every 2 seconds');
    expect(created.content).toContain('Europe/Istanbul');
    expect(created.content).toMatch(/Next fire times:\n- .* Europe\/Istanbul — <t:\d+:F>/);
    const [stored] = await bot.database.rows<{ created_by: string; timezone: string; task: string }>(sql`select created_by, timezone, task from schedules where id = ${scheduleId}`);
    expect(stored).toEqual({ created_by: alice(), timezone: 'Europe/Istanbul', task });

    // It fires; a turn a schedule started is not offered schedule_task (the other tools stay).
    await postWith(`Reminder: ${task}`);
    const firing = harness.llm.requests.find((request) => firingScheduleId(request) === scheduleId)!;
    expect(firing.toolNames).not.toContain('schedule_task');
    expect(firing.toolNames).toEqual(expect.arrayContaining(['list_schedules', 'cancel_schedule']));
    const chat = harness.llm.requests.find((request) => request.lastUserText?.includes('remind us every two seconds'))!;
    expect(chat.toolNames).toEqual(expect.arrayContaining(['schedule_task', 'list_schedules', 'cancel_schedule']));

    const listAsked = harness.mention('which schedules are there?', { channelId, authorId: bob() });
    const listed = await harness.replyAfter(listAsked.id, { channelId });
    expect(listed.content).toContain(`#${scheduleId} · Every 2 seconds (Europe/Istanbul)`);
    expect(listed.content).toContain(task);

    const bobCancels = harness.mention(`stop schedule ${scheduleId}`, { channelId, authorId: bob() });
    expect((await harness.replyAfter(bobCancels.id, { channelId })).content).toContain('Tool said: Not removed: Changing schedules needs the Manage Channels permission');
    const aliceCancels = harness.mention(`stop schedule ${scheduleId}`, { channelId });
    expect((await harness.replyAfter(aliceCancels.id, { channelId })).content).toContain(`Tool said: Removed schedule #${scheduleId} · Every 2 seconds (Europe/Istanbul)`);
    expect(await bot.database.rows(sql`select id from schedules where id = ${scheduleId}`)).toEqual([]);
    expect(discord.internalErrors).toEqual([]);
  }, 30_000);

  it('pauses a schedule after 3 failed firings in a row and tells the channel, with a Resume button', async () => {
    await greet();
    harness.llm.respondWith((request) => (firingScheduleId(request) === null ? undefined : { fault: { kind: 'status', status: 400 } }));
    const schedule = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task: 'Summarise the day.' });

    const notice = await harness.discord.waitForMessage(
      (message) => message.channel_id === channelId && message.content.startsWith(`⏸️ Schedule #${schedule.id} is paused: its last 3 firings failed`),
      { timeoutMs: 12_000 },
    );
    expect(buttonIds(notice)).toEqual([`resume:${schedule.id}`]);
    expect(isSilent(notice)).toBe(true);
    const paused = await scheduleRow(bot, schedule.id);
    expect(paused).toMatchObject({ enabled: false });
    expect(paused!.paused_reason).toMatch(/^its last 3 firings failed \(the latest: .*400/);
    // Each firing had a turn of its own, linked from its run (a later firing claimed before the
    // pause may have failed too; it pauses nothing twice).
    const runs = await runsOf(bot, schedule.id);
    expect(runs.slice(0, 3).map((run) => run.status)).toEqual(['failed', 'failed', 'failed']);
    expect(new Set(runs.slice(0, 3).map((run) => run.turn_id)).size).toBe(3);
    expect(runs.slice(0, 3).every((run) => run.turn_id !== null && run.error?.includes('400'))).toBe(true);
    expect(harness.llm.requests.filter((request) => firingScheduleId(request) === schedule.id).length).toBeGreaterThanOrEqual(3);
    expect(harness.botMessages(channelId).filter((message) => message.content.startsWith(`⏸️ Schedule #${schedule.id} is paused`))).toHaveLength(1);
  }, 20_000);

  it('pauses the schedules of a deleted channel', async () => {
    await greet();
    const schedule = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task: 'Never mind.', cron: '0 0 9 * * 1' });
    harness.discord.deleteChannel(channelId);
    const paused = await eventually(async () => {
      const row = await scheduleRow(bot, schedule.id);
      return row && !row.enabled && row;
    }, 'the schedule paused');
    expect(paused.paused_reason).toBe('its channel was deleted');
  });

  it('pauses the schedules of a channel the bot can no longer post in, and of a server the bot left', async () => {
    const { discord } = harness;
    await greet();
    harness.llm.respondWith(answerFirings);
    const other = discord.createGuild({ name: `Other ${Date.now()}`, ownerId: alice() });
    const otherChannel = discord.createChannel({ guildId: other.id, name: 'other-general' }).id;
    await greet(otherChannel);
    const inOther = await addSchedule(bot, { guildId: other.id, channelId: otherChannel, createdBy: alice(), task: 'Never mind.', cron: '0 0 9 * * 1' });
    discord.removeBotFromGuild(other.id);
    const left = await eventually(async () => {
      const row = await scheduleRow(bot, inOther.id);
      return row && !row.enabled && row;
    }, 'the other server\'s schedule paused');
    expect(left.paused_reason).toBe('the bot left the server');

    discord.setChannelPermissions(channelId, [{ id: discord.bot.id, type: 'member', deny: PermissionFlagsBits.SendMessages }]);
    await greetBarrier();
    const schedule = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task: 'Post into the void.' });
    const paused = await eventually(async () => {
      const row = await scheduleRow(bot, schedule.id);
      return row && !row.enabled && row;
    }, 'the schedule paused', 6000);
    expect(paused.paused_reason).toBe(`I lack permission to post in <#${channelId}>`);
    const runs = await eventually(async () => {
      const rows = await runsOf(bot, schedule.id);
      return rows.length > 0 && rows.every((run) => run.status !== 'running') && rows;
    }, 'the run settled');
    expect(runs.map((run) => run.status)).toEqual(['failed']);
    expect(harness.botMessages(channelId).filter((message) => message.content.includes(`#${schedule.id}`))).toEqual([]);
  });

  it('skips and pauses a firing whose creator lost Manage Channels, saying why, with a Resume button', async () => {
    const { discord } = harness;
    const carol = discord.createUser({ username: `carol-${Date.now()}` });
    const managers = discord.createRole({ guildId: guildId(), name: `managers-${Date.now()}`, permissions: PermissionFlagsBits.ManageChannels });
    discord.addMember({ guildId: guildId(), userId: carol.id, roleIds: [managers.id] });
    await greet();
    harness.llm.respondWith(answerFirings);
    // Carol may create it (she manages channels), for an hour from now.
    const schedule = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: carol.id, task: 'Check the queue.', nextFireAt: new Date(Date.now() + 3600_000) });
    // Then loses the permission in this channel, and the fire time comes.
    discord.setChannelPermissions(channelId, [{ id: carol.id, type: 'member', deny: PermissionFlagsBits.ManageChannels }]);
    await greetBarrier();
    await bot.database.rows(sql`update schedules set next_fire_at = ${nextFireTime(EVERY_TWO_SECONDS).toISOString()} where id = ${schedule.id}`);
    bot.dueTimesChanged();

    const notice = await discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith(`⏸️ Schedule #${schedule.id} is paused`), { timeoutMs: 6000 });
    expect(notice.content).toContain(`its creator <@${carol.id}> no longer has the Manage Channels permission`);
    expect(buttonIds(notice)).toEqual([`resume:${schedule.id}`]);
    const [run] = await eventually(async () => {
      const runs = await runsOf(bot, schedule.id);
      return runs.length > 0 && runs.every((candidate) => candidate.status === 'skipped') && runs;
    }, 'the run recorded as skipped');
    expect(run!.error).toContain('no longer has the Manage Channels permission');
    expect(await scheduleRow(bot, schedule.id)).toMatchObject({ enabled: false });
    expect(harness.llm.requests.filter((request) => firingScheduleId(request) !== null)).toEqual([]);
  });

  it('a helper schedule spawns its helper in a thread, and the result comes back to the channel agent', async () => {
    const { discord } = harness;
    const task = 'Research what changed in the changelog.';
    await greet();
    harness.llm.respondWith((request) => {
      if (helperTask(request) === task) return { text: 'Three things changed: A, B and C.' };
      if (helperTask(request) === null && (request.lastUserText ?? '').startsWith('Results of')) return { text: 'Digest: A, B and C changed.' };
      return undefined;
    });
    const schedule = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task, helper: 'researcher' });

    const started = await discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith(`⏰ Scheduled task #${schedule.id}: the researcher helper is working on it`), {
      timeoutMs: 6000,
    });
    expect(isSilent(started)).toBe(true);
    await pauseAllSchedules(bot);
    const digest = await postWith('Digest: A, B and C changed.', channelId, 10_000);
    expect(isSilent(digest)).toBe(true);
    const [thread] = discord.threads(channelId);
    expect(thread?.name).toBe(`researcher · ${task}`);
    expect(harness.botMessages(thread!.id).map((message) => message.content)).toContain('Three things changed: A, B and C.');
    const reading = harness.llm.requests.find((request) => helperTask(request) === null && (request.lastUserText ?? '').startsWith('Results of'))!;
    expect(reading.lastUserText).toContain('Three things changed: A, B and C.');
    // The channel agent's model was not asked to do the task itself: its helper did.
    expect(harness.llm.requests.filter((request) => firingScheduleId(request) === schedule.id)).toEqual([]);
    const runs = await eventually(async () => {
      const rows = await runsOf(bot, schedule.id);
      return rows.length > 0 && rows.every((run) => run.status !== 'running') && rows;
    }, 'the run settled');
    expect(runs[0]!.status).toBe('done');
  }, 20_000);

  it('fires even when the channel\'s agent is off', async () => {
    await harness.runCommand({ channelId, userId: alice(), name: 'agent', subcommand: 'mode', options: { mode: 'off' } });
    harness.llm.respondWith(answerFirings);
    const schedule = await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task: 'Post the weekly digest.' });
    const posted = await harness.discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith(`Firing of #${schedule.id} done`), { timeoutMs: 6000 });
    expect(isSilent(posted)).toBe(true);
    // Off still means off for people.
    const ignored = harness.mention('are you there?', { channelId });
    expect(await harness.taken(ignored.id)).toBe('ignored');
  });
});
