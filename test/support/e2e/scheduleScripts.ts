import { sql } from 'drizzle-orm';
import type { App } from '../../../src/app.js';
import type { Schedule } from '../../../src/agents/types.js';
import { ScheduleRepository } from '../../../src/db/repositories/scheduleRepository.js';
import { parseSchedule } from '../../../src/scheduler/cronSchedule.js';
import type { RecordedRequest } from '../llm/types.js';

/*
 * What schedule tests share: telling a firing's model request apart, adding a schedule straight
 * to the database (as `/schedule add` would store it, without its checks), and reading runs.
 */

/** Every two seconds: the tests' schedules (the bot is started with SCHEDULE_MIN_INTERVAL_SECONDS=1). */
export const EVERY_TWO_SECONDS = '*/2 * * * * *';

/** The schedule whose firing a model request answers (its scheduled-task message), or null. */
export function firingScheduleId(request: RecordedRequest): number | null {
  const match = /⏰ Scheduled task #(\d+) \(fire time/u.exec(request.lastUserText ?? '');
  return match ? Number(match[1]) : null;
}

/** The channel agent's id (it exists once the channel was spoken to, or its mode set). */
export async function channelAgentId(bot: App, channelId: string): Promise<number> {
  const [row] = await bot.database.rows<{ id: number | string }>(sql`select id from agents where kind = 'channel' and channel_id = ${channelId}`);
  if (!row) throw new Error(`channel ${channelId} has no agent yet`);
  return Number(row.id);
}

export interface AddedSchedule {
  guildId: string;
  channelId: string;
  createdBy: string;
  task: string;
  cron?: string;
  timezone?: string;
  helper?: string | null;
  notify?: boolean;
  mentionRoleId?: string | null;
  /** Default: the expression's next fire time after now. */
  nextFireAt?: Date | null;
}

/** Stores a schedule for the channel's agent, its next fire time computed as the service does. */
export async function addSchedule(bot: App, spec: AddedSchedule): Promise<Schedule> {
  const cron = spec.cron ?? EVERY_TWO_SECONDS;
  const timezone = spec.timezone ?? 'UTC';
  const parsed = parseSchedule(cron, timezone);
  if (!parsed.ok) throw new Error(parsed.error);
  const created = await new ScheduleRepository(bot.database.db).create(
    {
      guildId: spec.guildId,
      channelId: spec.channelId,
      agentId: await channelAgentId(bot, spec.channelId),
      cron: parsed.schedule.cron,
      timezone,
      task: spec.task,
      helper: spec.helper ?? null,
      notify: spec.notify === true || Boolean(spec.mentionRoleId),
      mentionRoleId: spec.mentionRoleId ?? null,
      createdBy: spec.createdBy,
      nextFireAt: spec.nextFireAt === undefined ? (parsed.schedule.nextRuns(new Date(), 1)[0] ?? null) : spec.nextFireAt,
    },
    1000,
  );
  if ('refused' in created) throw new Error('over the per-guild limit');
  bot.dueTimesChanged();
  return created;
}

export interface RunRow extends Record<string, unknown> {
  fire_at: Date | string;
  status: string;
  late: boolean;
  missed_count: number;
  message_id: number | string | null;
  turn_id: number | string | null;
  claimed_by: string;
  error: string | null;
}

/** A schedule's runs, oldest fire time first. */
export function runsOf(bot: App, scheduleId: number): Promise<RunRow[]> {
  return bot.database.rows<RunRow>(
    sql`select fire_at, status, late, missed_count, message_id, turn_id, claimed_by, error from schedule_runs where schedule_id = ${scheduleId} order by fire_at`,
  );
}

export interface ScheduleRow extends Record<string, unknown> {
  enabled: boolean;
  paused_reason: string | null;
  consecutive_failures: number;
  next_fire_at: Date | string | null;
}

export async function scheduleRow(bot: App, scheduleId: number): Promise<ScheduleRow | undefined> {
  const [row] = await bot.database.rows<ScheduleRow>(sql`select enabled, paused_reason, consecutive_failures, next_fire_at from schedules where id = ${scheduleId}`);
  return row;
}

/** Pauses every schedule: what a test leaves behind stops firing into the next. */
export async function pauseAllSchedules(bot: App): Promise<void> {
  await bot.database.rows(sql`update schedules set enabled = false, paused_reason = 'test over' where enabled`);
}

/**
 * Polls `check` (a database read) until it returns something truthy, failing after `timeoutMs`
 * with `description`: for state only the database shows (the emulator's waits see Discord).
 */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, description: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A timestamp column as a Date (PGlite and postgres.js differ in what raw rows hold). */
export function asDate(value: Date | string | null): Date | null {
  return value === null ? null : value instanceof Date ? value : new Date(value);
}
