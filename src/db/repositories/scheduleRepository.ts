import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { FiringPlan, ListedSchedule, NewSchedule, ScheduleChanges, ScheduleScope, ScheduleStore } from '../../agents/ports.js';
import { withTokenCount } from '../../agents/promptMessages.js';
import { pausedNotice, resumeActionId } from '../../agents/schedules.js';
import type { Schedule, ScheduleRun } from '../../agents/types.js';
import { type Database, type Executor, msUntil } from '../database.js';
import { agents, guildSettings, messages, outbox, scheduleRuns, schedules } from '../schema.js';
import { wake } from './agentRepository.js';
import { messageRow } from './messageRepository.js';

type ScheduleRow = typeof schedules.$inferSelect;

function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    guildId: row.guildId!,
    channelId: row.channelId,
    agentId: row.agentId!,
    cron: row.cron,
    timezone: row.timezone,
    task: row.task,
    helper: row.helper,
    notify: row.notify,
    mentionRoleId: row.mentionRoleId,
    createdBy: row.createdBy,
    pausedReason: row.enabled ? null : (row.pausedReason ?? 'paused'),
    nextFireAt: row.nextFireAt,
    consecutiveFailures: row.consecutiveFailures,
    createdAt: row.createdAt,
  };
}

function toRun(row: typeof scheduleRuns.$inferSelect): ScheduleRun {
  return { scheduleId: row.scheduleId, fireAt: row.fireAt, status: row.status, late: row.late, missedCount: row.missedCount, error: row.error };
}

/** Schedules and their runs; every lookup by id is within one guild. */
export class ScheduleRepository implements ScheduleStore {
  constructor(private readonly db: Database) {}

  create(schedule: NewSchedule, maxPerGuild: number): Promise<Schedule | { refused: 'limit' }> {
    return this.db.transaction(async (tx) => {
      // One creation per guild at a time: the count read below stays true until commit.
      await tx.execute(sql`insert into guild_settings (guild_id) values (${schedule.guildId}) on conflict (guild_id) do nothing`);
      await tx.execute(sql`select 1 from guild_settings where guild_id = ${schedule.guildId} for update`);
      const [existing] = await tx.select({ value: count() }).from(schedules).where(eq(schedules.guildId, schedule.guildId));
      if ((existing?.value ?? 0) >= maxPerGuild) return { refused: 'limit' as const };
      const [row] = await tx.insert(schedules).values(schedule).returning();
      return toSchedule(row!);
    });
  }

  async get(guildId: string, scheduleId: number): Promise<Schedule | null> {
    const [row] = await this.db.select().from(schedules).where(and(eq(schedules.guildId, guildId), eq(schedules.id, scheduleId)));
    return row ? toSchedule(row) : null;
  }

  async byId(scheduleId: number): Promise<Schedule | null> {
    const [row] = await this.db.select().from(schedules).where(eq(schedules.id, scheduleId));
    return row ? toSchedule(row) : null;
  }

  async list(guildId: string, channelId: string | null): Promise<ListedSchedule[]> {
    const where = channelId === null ? eq(schedules.guildId, guildId) : and(eq(schedules.guildId, guildId), eq(schedules.channelId, channelId));
    const rows = await this.db.select().from(schedules).where(where).orderBy(asc(schedules.id));
    if (rows.length === 0) return [];
    const latest = await this.db
      .selectDistinctOn([scheduleRuns.scheduleId])
      .from(scheduleRuns)
      .where(inArray(scheduleRuns.scheduleId, rows.map((row) => row.id)))
      .orderBy(scheduleRuns.scheduleId, desc(scheduleRuns.fireAt));
    const lastRuns = new Map(latest.map((run) => [run.scheduleId, toRun(run)]));
    return rows.map((row) => ({ ...toSchedule(row), lastRun: lastRuns.get(row.id) ?? null }));
  }

  async update(guildId: string, scheduleId: number, changes: ScheduleChanges): Promise<Schedule | null> {
    const [row] = await this.db
      .update(schedules)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(and(eq(schedules.guildId, guildId), eq(schedules.id, scheduleId)))
      .returning();
    return row ? toSchedule(row) : null;
  }

  async remove(guildId: string, scheduleId: number): Promise<boolean> {
    const removed = await this.db.delete(schedules).where(and(eq(schedules.guildId, guildId), eq(schedules.id, scheduleId))).returning({ id: schedules.id });
    return removed.length > 0;
  }

  async pause(scope: ScheduleScope, reason: string): Promise<Schedule[]> {
    const where =
      'scheduleId' in scope ? eq(schedules.id, scope.scheduleId) : 'channelId' in scope ? eq(schedules.channelId, scope.channelId) : eq(schedules.guildId, scope.guildId);
    const rows = await this.db
      .update(schedules)
      .set({ enabled: false, pausedReason: reason, updatedAt: sql`now()` })
      .where(and(where, eq(schedules.enabled, true)))
      .returning();
    return rows.map(toSchedule);
  }

  async resume(guildId: string, scheduleId: number, nextFireAt: Date | null): Promise<Schedule | null> {
    const [row] = await this.db
      .update(schedules)
      .set({ enabled: true, pausedReason: null, consecutiveFailures: 0, nextFireAt, updatedAt: sql`now()` })
      .where(and(eq(schedules.guildId, guildId), eq(schedules.id, scheduleId)))
      .returning();
    return row ? toSchedule(row) : null;
  }

  async guildTimezone(guildId: string): Promise<string | null> {
    const [row] = await this.db.select({ timezone: guildSettings.timezone }).from(guildSettings).where(eq(guildSettings.guildId, guildId));
    return row?.timezone ?? null;
  }

  async setGuildTimezone(guildId: string, timezone: string): Promise<void> {
    await this.db
      .insert(guildSettings)
      .values({ guildId, timezone })
      .onConflictDoUpdate({ target: guildSettings.guildId, set: { timezone, updatedAt: sql`now()` } });
  }

  msToNextFire(): Promise<number | null> {
    return msUntil(this.db, sql`select min(next_fire_at) as at from schedules where enabled`);
  }

  async claimDue(owner: string, limit: number, plan: (schedule: Schedule) => FiringPlan): Promise<Array<{ schedule: Schedule; fireAt: Date }>> {
    return this.db.transaction(async (tx) => {
      // The agents are locked with their schedules, before anything else: a firing's turn that
      // ends locks its agent, then its schedule (settleRun), so a claim that locked the schedule
      // first and then waited to wake the agent deadlocked with it. A schedule whose agent is
      // busy that instant is left to the next tick.
      const rows = (
        await tx
          .select({ schedule: schedules })
          .from(schedules)
          .innerJoin(agents, eq(agents.id, schedules.agentId))
          .where(and(eq(schedules.enabled, true), sql`${schedules.nextFireAt} <= now()`))
          .orderBy(asc(schedules.nextFireAt))
          .limit(limit)
          .for('update', { of: [schedules, agents], skipLocked: true })
      ).map(({ schedule }) => schedule);
      // The rows' statements are independent of each other's: issued together, they share the
      // connection's round trips (postgres.js pipelines them) instead of waiting for one another,
      // which keeps a batch quick even when this process's event loop is busy with turns.
      const fired = await Promise.all(
        rows.map(async (row) => {
          const schedule = toSchedule(row);
          const firing = plan(schedule);
          if (firing.missed > 0) {
            // The fire times skipped, as one row at the first of them (the stored due time).
            await tx
              .insert(scheduleRuns)
              .values({ scheduleId: schedule.id, fireAt: row.nextFireAt!, claimedBy: owner, status: 'missed', missedCount: firing.missed, finishedAt: sql`now()` })
              .onConflictDoNothing();
          }
          const won = firing.fireAt !== null && (await fire(tx, owner, schedule, firing.fireAt, firing.late, firing.content));
          await tx.update(schedules).set({ nextFireAt: firing.next }).where(eq(schedules.id, schedule.id));
          return won ? { schedule, fireAt: firing.fireAt! } : null;
        }),
      );
      return fired.filter((firing) => firing !== null);
    });
  }

  fireNow(owner: string, schedule: Schedule, fireAt: Date, content: string): Promise<boolean> {
    return this.db.transaction((tx) => fire(tx, owner, schedule, fireAt, false, content));
  }

  async firingOf(messageId: number): Promise<{ schedule: Schedule; run: ScheduleRun } | null> {
    const [row] = await this.db
      .select({ schedule: schedules, run: scheduleRuns })
      .from(scheduleRuns)
      .innerJoin(schedules, eq(schedules.id, scheduleRuns.scheduleId))
      .where(eq(scheduleRuns.messageId, messageId));
    return row ? { schedule: toSchedule(row.schedule), run: toRun(row.run) } : null;
  }
}

/**
 * One firing: the run row is the claim (only the insert that wins fires), and in the same
 * transaction the scheduled-task message enters the agent's conversation and wakes it. From
 * then on the turn is as durable as any chat turn.
 * @returns false when this fire time was fired already.
 */
async function fire(tx: Executor, owner: string, schedule: Schedule, fireAt: Date, late: boolean, content: string): Promise<boolean> {
  const [run] = await tx.insert(scheduleRuns).values({ scheduleId: schedule.id, fireAt, claimedBy: owner, late }).onConflictDoNothing().returning({ fireAt: scheduleRuns.fireAt });
  if (!run) return false;
  const agent = { id: schedule.agentId, guildId: schedule.guildId };
  const [message] = await tx
    .insert(messages)
    .values(messageRow(agent, withTokenCount({ role: 'user', content, authorName: 'Scheduler', inputKind: 'schedule', actsFor: schedule.createdBy, scheduleId: schedule.id })))
    .returning({ id: messages.id });
  await tx
    .update(scheduleRuns)
    .set({ messageId: message!.id })
    .where(and(eq(scheduleRuns.scheduleId, schedule.id), eq(scheduleRuns.fireAt, fireAt)));
  await wake(tx, schedule.agentId, 'machine');
  return true;
}

/**
 * The end of a firing's turn, in the transaction that ends the turn: its run records the outcome
 * and the turn; a schedule failing `pauseAfterFailures` times in a row is paused, and its channel
 * told why, with a Resume button (through the outbox, in this transaction).
 */
export async function settleRun(
  tx: Executor,
  run: { messageId: number; turnId: number; status: 'done' | 'failed' | 'skipped'; error: string | null },
  pauseAfterFailures: number,
): Promise<void> {
  const [settled] = await tx
    .update(scheduleRuns)
    .set({ status: run.status, error: run.error, turnId: run.turnId, finishedAt: sql`now()` })
    .where(and(eq(scheduleRuns.messageId, run.messageId), eq(scheduleRuns.status, 'running')))
    .returning({ scheduleId: scheduleRuns.scheduleId });
  if (!settled) return;
  const [row] = await tx.select().from(schedules).where(eq(schedules.id, settled.scheduleId)).for('update');
  if (!row) return;
  const failures = run.status === 'failed' ? row.consecutiveFailures + 1 : run.status === 'skipped' ? row.consecutiveFailures : 0;
  const pausing = row.enabled && failures >= pauseAfterFailures;
  const reason = `its last ${failures} firings failed (the latest: ${run.error ?? 'unknown error'})`;
  await tx
    .update(schedules)
    .set(pausing ? { consecutiveFailures: failures, enabled: false, pausedReason: reason, updatedAt: sql`now()` } : { consecutiveFailures: failures })
    .where(eq(schedules.id, row.id));
  if (!pausing) return;
  const schedule = toSchedule({ ...row, enabled: false, pausedReason: reason });
  await tx.insert(outbox).values({
    guildId: schedule.guildId,
    agentId: schedule.agentId,
    kind: 'notice',
    channelId: schedule.channelId,
    content: pausedNotice(schedule),
    payload: { actions: [{ id: resumeActionId(schedule.id), label: 'Resume' }] },
    nonce: `p${run.turnId.toString(36)}`,
  });
}
