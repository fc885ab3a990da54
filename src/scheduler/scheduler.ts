import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../agents/logger.js';
import type { FiringPlan, ScheduleStore } from '../agents/ports.js';
import type { Schedule } from '../agents/types.js';
import { dueFiring, parseSchedule } from './cronSchedule.js';
import { firingMessage } from './scheduleText.js';

export interface SchedulerOptions {
  /** This process's id (recorded on the runs it fires). */
  owner: string;
  /** SCHEDULE_CATCH_UP_HOURS, in milliseconds. */
  catchUpMs: number;
  /** Schedules one claiming transaction fires at most; the next tick takes the rest. */
  batch: number;
}

/**
 * Every process runs one: a node-cron tick every second claims the due schedules in the database
 * (each schedule's `next_fire_at`, computed with croner in its zone), so a firing happens in
 * exactly one process whichever process created the schedule, and a restart catches up from the
 * stored fire times. No per-schedule timers, nothing to keep in sync between processes.
 */
export class Scheduler {
  private task: ScheduledTask | undefined;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly deps: { store: ScheduleStore; logger: Logger },
    private readonly options: SchedulerOptions,
    /** An agent was queued by a firing: called once per firing, so the worker claims each (one wake is one claim). */
    private readonly onQueued: () => void,
  ) {}

  start(): void {
    this.task = cron.schedule('* * * * * *', () => this.tick(), { name: 'schedules', noOverlap: true });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.ticking;
  }

  /** Fires what is due now (also the catch-up at start: missed fire times are simply due). */
  tick(): Promise<void> {
    this.ticking ??= this.fireDue()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'firing due schedules failed; the next tick tries again'))
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async fireDue(): Promise<void> {
    for (;;) {
      const fired = await this.deps.store.claimDue(this.options.owner, this.options.batch, (schedule) => this.plan(schedule));
      if (fired.length === 0) return;
      for (const { schedule, fireAt } of fired) {
        this.deps.logger.info({ scheduleId: schedule.id, channelId: schedule.channelId, fireAt }, 'schedule fired');
        this.onQueued();
      }
      if (fired.length < this.options.batch) return;
    }
  }

  private plan(schedule: Schedule): FiringPlan {
    const now = new Date();
    const parsed = parseSchedule(schedule.cron, schedule.timezone);
    if (!parsed.ok) {
      // Validated when saved: only a croner upgrade that reads it differently lands here.
      this.deps.logger.error({ scheduleId: schedule.id, cron: schedule.cron, error: parsed.error }, 'a stored schedule no longer parses; it stops firing');
      return { fireAt: null, late: false, missed: 0, next: null, content: '' };
    }
    const due = dueFiring(parsed.schedule, schedule.nextFireAt ?? now, now, this.options.catchUpMs);
    if (due.missed > 0) this.deps.logger.warn({ scheduleId: schedule.id, missed: due.missed }, 'fire times missed while no bot process ran');
    return { ...due, content: due.fireAt ? firingMessage(schedule, due.fireAt, due.late, now) : '' };
  }
}
