import { type ChildProcess, spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Schedule } from '../../src/agents/types.js';
import { parseSchedule } from '../../src/scheduler/cronSchedule.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import { lastToolResult } from '../support/e2e/helperScripts.js';
import { EVERY_TWO_SECONDS, type RunRow, addSchedule, asDate, eventually, firingScheduleId, pauseAllSchedules, runsOf } from '../support/e2e/scheduleScripts.js';
import type { RecordedRequest, ScriptedResponse } from '../support/llm/types.js';

/*
 * Schedules across processes and restarts, on PostgreSQL (PGlite is one process per directory):
 * a bot as `npm start` runs it in a child process and one in this process, on one database.
 * Firings are claimed in the database, so each fire time is posted once whichever process
 * claims it, a schedule fires wherever it was added, and a restart catches up from the stored
 * fire times.
 */

const FAST = { SCHEDULE_MIN_INTERVAL_SECONDS: '1' };

/** The model answers each firing with its schedule and the request's index: every answer is unique. */
function answerFirings(request: RecordedRequest): ScriptedResponse | undefined {
  const scheduleId = firingScheduleId(request);
  return scheduleId === null ? undefined : { text: `Firing of #${scheduleId} done (request ${request.index}).` };
}

describe.runIf(testDrivers().includes('postgres'))('schedules across bot processes on one PostgreSQL', () => {
  let harness: BotHarness;
  let child: ChildProcess | undefined;
  let bot: App | undefined;

  beforeAll(async () => {
    harness = await startHarness('postgres');
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await harness.close();
  });

  const guildId = () => harness.discord.seed.guildId;
  const alice = () => harness.discord.seed.alice.id;
  const connected = () => harness.discord.gatewaySessions().filter((session) => session.connected).length;

  /** A bot as `npm start` runs it, in a child process; resolves once it is connected to the gateway. */
  async function startChild(): Promise<ChildProcess> {
    const before = connected();
    const started = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { PATH: process.env.PATH, ...harness.env(FAST) }, stdio: 'ignore' });
    await harness.discord.waitFor(() => connected() > before || undefined, { timeoutMs: 30_000, description: 'the child bot connected' });
    return started;
  }

  async function stopChild(): Promise<void> {
    const stopping = child!;
    child = undefined;
    const exited = new Promise((resolve) => stopping.once('exit', resolve));
    stopping.kill('SIGTERM');
    await exited;
  }

  async function newChannel(name: string): Promise<string> {
    const channelId = harness.discord.createChannel({ guildId: guildId(), name: `${name}-${Date.now()}` }).id;
    const hello = harness.mention('hello', { channelId });
    await harness.replyAfter(hello.id, { channelId, timeoutMs: 10_000 });
    return channelId;
  }

  /** Each run's answer (the assistant message of its turn), and how many times the channel shows it. */
  async function postsPerRun(channelId: string, runs: RunRow[]): Promise<Array<{ fireAt: string; answer: string; posts: number }>> {
    const rows = await harness.database.rows<{ turn_id: string | number; content: string }>(
      sql`select turn_id, content from messages where role = 'assistant' and turn_id in ${runs.map((run) => run.turn_id)}`,
    );
    const answers = new Map(rows.map((row) => [String(row.turn_id), row.content]));
    return runs.map((run) => {
      const answer = answers.get(String(run.turn_id)) ?? '(no answer stored)';
      return { fireAt: asDate(run.fire_at)!.toISOString(), answer, posts: harness.botMessages(channelId).filter((message) => message.content === answer).length };
    });
  }

  it('with two bot processes on one database, each of 20 firings is posted exactly once', async () => {
    const { discord, llm } = harness;
    llm.respondWith(answerFirings);
    child = await startChild();
    bot = await harness.startBot(FAST);
    const channels = await Promise.all([1, 2, 3, 4].map((index) => newChannel(`fired-${index}`)));
    const postsBefore = new Map(channels.map((channelId) => [channelId, harness.botMessages(channelId).length]));
    const schedules: Schedule[] = [];
    for (const channelId of channels) schedules.push(await addSchedule(bot, { guildId: guildId(), channelId, createdBy: alice(), task: `Report on ${channelId}.` }));

    // Five fire times of each of the four schedules, then no more.
    const settled = (runs: RunRow[]) => runs.filter((run) => run.status === 'done');
    await eventually(async () => {
      const counts = await Promise.all(schedules.map(async (schedule) => settled(await runsOf(bot!, schedule.id)).length));
      return counts.reduce((sum, count) => sum + count, 0) >= 20;
    }, '20 firings done', 25_000);
    await pauseAllSchedules(bot);
    // A firing claimed just before the pause finishes too.
    const allRuns = await eventually(async () => {
      const runs = await Promise.all(schedules.map((schedule) => runsOf(bot!, schedule.id)));
      return runs.every((list) => list.every((run) => run.status !== 'running')) && runs;
    }, 'every claimed firing finished', 10_000);

    const owners = new Map<string, number>();
    let total = 0;
    for (const [index, schedule] of schedules.entries()) {
      const channelId = channels[index]!;
      const runs = allRuns[index]!;
      expect(runs.every((run) => run.status === 'done')).toBe(true);
      total += runs.length;
      // Consecutive fire times, none skipped and none twice (the key of a run is its fire time).
      const times = runs.map((run) => asDate(run.fire_at)!.getTime());
      for (let slot = 1; slot < times.length; slot++) expect(times[slot]! - times[slot - 1]!).toBe(2000);
      // Each fire time: one model call, one answer, posted once.
      expect(llm.requests.filter((request) => firingScheduleId(request) === schedule.id)).toHaveLength(runs.length);
      const perRun = await postsPerRun(channelId, runs);
      expect(perRun.filter((run) => run.posts !== 1)).toEqual([]);
      expect(new Set(perRun.map((run) => run.answer)).size).toBe(runs.length);
      expect(harness.botMessages(channelId).length - postsBefore.get(channelId)!).toBe(runs.length);
      for (const run of runs) owners.set(run.claimed_by, (owners.get(run.claimed_by) ?? 0) + 1);
    }
    expect(total).toBeGreaterThanOrEqual(20);
    // Every firing was claimed by one of the two processes.
    const childOwner = [...owners.keys()].filter((owner) => owner.split('/')[2] === String(child!.pid));
    expect([...owners.keys()].every((owner) => owner === bot!.owner || childOwner.includes(owner))).toBe(true);
    console.log(`[postgres] ${total} firings: ${owners.get(bot.owner) ?? 0} claimed in this process, ${total - (owners.get(bot.owner) ?? 0)} in the child`);
    expect(discord.internalErrors).toEqual([]);
  }, 60_000);

  it('a schedule added in one process fires in the other', async () => {
    const { llm } = harness;
    // Only the child runs: it takes the chat turn, whose tool creates the schedule.
    await bot!.stop();
    bot = undefined;
    const task = 'Say the added schedule fired.';
    llm.respondWith((request) => {
      if (lastToolResult(request) !== null) return { text: `Tool said: ${lastToolResult(request)}` };
      if (firingScheduleId(request) !== null) return answerFirings(request);
      if (request.lastUserText?.includes('add the schedule')) return { toolCalls: [{ name: 'schedule_task', arguments: { cron: EVERY_TWO_SECONDS, task } }] };
      return undefined;
    });
    const channelId = await newChannel('added');
    const asked = harness.mention('add the schedule, please', { channelId });
    const created = await harness.replyAfter(asked.id, { channelId, timeoutMs: 10_000 });
    const scheduleId = Number(/Created schedule \*\*#(\d+)\*\*/.exec(created.content)?.[1]);
    expect(scheduleId).toBeGreaterThan(0);

    // Then this process starts and the child stops: the schedule fires here, though no part of
    // this process saw it created.
    bot = await harness.startBot(FAST);
    await stopChild();
    const ours = await eventually(async () => (await runsOf(bot!, scheduleId)).find((run) => run.claimed_by === bot!.owner && run.status === 'done'), 'a firing in this process', 10_000);
    const [answer] = await harness.database.rows<{ content: string }>(sql`select content from messages where role = 'assistant' and turn_id = ${ours.turn_id}`);
    await harness.discord.waitForMessage((message) => message.channel_id === channelId && message.content === answer!.content, { timeoutMs: 5000 });
    await pauseAllSchedules(bot);
  }, 60_000);

  /** An hourly or daily cron at a minute a given time ago (UTC), and that slot. */
  function cronAt(ago: number, daily: boolean): { cron: string; slot: Date } {
    const slot = new Date(Math.floor((Date.now() - ago) / 60_000) * 60_000);
    const cron = daily ? `0 ${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *` : `0 ${slot.getUTCMinutes()} * * * *`;
    return { cron, slot };
  }

  it('a fire time missed while no process ran fires once after the restart, marked late; the others are recorded as missed', async () => {
    const { llm } = harness;
    llm.respondWith(answerFirings);
    const channelId = await newChannel('late');
    // Hourly, ten minutes ago last: the bot was down for the last three fire times.
    const { cron, slot } = cronAt(10 * 60_000, false);
    const schedule = await addSchedule(bot!, { guildId: guildId(), channelId, createdBy: alice(), task: 'Post the hourly digest.', cron });
    await bot!.stop();
    bot = undefined;
    const due = new Date(slot.getTime() - 2 * 3600_000);
    await harness.database.rows(sql`update schedules set next_fire_at = ${due.toISOString()} where id = ${schedule.id}`);

    bot = await harness.startBot(FAST);
    const posted = await harness.discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith(`Firing of #${schedule.id} done`), { timeoutMs: 6000 });
    const runs = await eventually(async () => {
      const rows = await runsOf(bot!, schedule.id);
      return rows.some((run) => run.status === 'done') && rows;
    }, 'the catch-up run done');
    expect(runs.map((run) => ({ fireAt: asDate(run.fire_at)!.toISOString(), status: run.status, late: run.late, missed: run.missed_count }))).toEqual([
      { fireAt: due.toISOString(), status: 'missed', late: false, missed: 2 },
      { fireAt: slot.toISOString(), status: 'done', late: true, missed: 0 },
    ]);
    // Its message says when it was due, and that it runs late.
    const [message] = await harness.database.rows<{ content: string }>(sql`select content from messages where id = ${runs[1]!.message_id}`);
    const hhmm = `${String(slot.getUTCHours()).padStart(2, '0')}:${String(slot.getUTCMinutes()).padStart(2, '0')}`;
    expect(message!.content).toMatch(new RegExp(`fire time .*${hhmm} UTC; .*\\)\\. It was due then but runs late, at .*, because no bot process was running at that time\\.`, 'u'));
    // Once: the next fire time is the next hour's, so nothing else is due.
    const parsed = parseSchedule(cron, 'UTC');
    const [stored] = await harness.database.rows<{ next_fire_at: Date | string }>(sql`select next_fire_at from schedules where id = ${schedule.id}`);
    expect(asDate(stored!.next_fire_at)!.toISOString()).toBe(parsed.ok && parsed.schedule.nextRuns(new Date(), 1)[0]!.toISOString());
    expect(harness.botMessages(channelId).filter((candidate) => candidate.content.startsWith(`Firing of #${schedule.id}`))).toEqual([posted]);
    expect(llm.requests.filter((request) => firingScheduleId(request) === schedule.id)).toHaveLength(1);
  }, 30_000);

  it('a fire time older than SCHEDULE_CATCH_UP_HOURS is skipped and recorded as missed, with its count', async () => {
    const { llm } = harness;
    llm.respondWith(answerFirings);
    const channelId = await newChannel('missed');
    // Daily, three hours ago last; the bot was down for three days and catches up one hour back.
    const { cron, slot } = cronAt(3 * 3600_000, true);
    const schedule = await addSchedule(bot!, { guildId: guildId(), channelId, createdBy: alice(), task: 'Post the daily digest.', cron });
    await bot!.stop();
    bot = undefined;
    const due = new Date(slot.getTime() - 2 * 86_400_000);
    await harness.database.rows(sql`update schedules set next_fire_at = ${due.toISOString()} where id = ${schedule.id}`);

    bot = await harness.startBot({ ...FAST, SCHEDULE_CATCH_UP_HOURS: '1' });
    const runs = await eventually(async () => {
      const rows = await runsOf(bot!, schedule.id);
      return rows.length > 0 && rows;
    }, 'the missed row');
    expect(runs.map((run) => ({ fireAt: asDate(run.fire_at)!.toISOString(), status: run.status, missed: run.missed_count, message: run.message_id }))).toEqual([
      { fireAt: due.toISOString(), status: 'missed', missed: 3, message: null },
    ]);
    const [stored] = await harness.database.rows<{ next_fire_at: Date | string }>(sql`select next_fire_at from schedules where id = ${schedule.id}`);
    expect(asDate(stored!.next_fire_at)!.getTime()).toBe(slot.getTime() + 86_400_000);
    // Nothing ran: no model call, no post, and nothing is due before tomorrow's fire time.
    expect(llm.requests.filter((request) => firingScheduleId(request) === schedule.id)).toEqual([]);
    expect(harness.botMessages(channelId).filter((message) => message.content.includes(`#${schedule.id}`))).toEqual([]);
    await bot.stop();
    bot = undefined;
  }, 30_000);
});
