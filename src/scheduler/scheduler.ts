import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../agents/logger.js';
import type { FiringPlan, ProcessSignals, ScheduleStore } from '../agents/ports.js';
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
 * stored fire times. No per-schedule timers. The tick asks the database only when the earliest
 * fire time it last read has come, or a schedule was changed since (here, or in another process,
 * which signals it): a second with nothing due costs no query.
 */
export class Scheduler {
  private task: ScheduledTask | undefined;
  private ticking: Promise<void> | null = null;
  /** When the earliest schedule fires, as last read (epoch ms; infinite: none); 0: read it again. */
  private dueAt = 0;
  /** Changes seen: a read that began before one may be out of date. */
  private changes = 0;

  constructor(
    private readonly deps: { store: ScheduleStore; signals: ProcessSignals; logger: Logger },
    private readonly options: SchedulerOptions,
    /** An agent was queued by a firing: called once per firing, so the worker claims each (one wake is one claim). */
    private readonly onQueued: () => void,
  ) {
    deps.signals.on('schedules', () => this.forgetDueTime());
  }

  /** A schedule was created or changed in this process: the next tick reads the fire times again, here and in the others. */
  changed(): void {
    this.forgetDueTime();
    this.deps.signals.send('schedules');
  }

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
    if (Date.now() < this.dueAt) return Promise.resolve();
    this.ticking ??= this.fireDue()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'firing due schedules failed; the next tick tries again'))
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async fireDue(): Promise<void> {
    const changesBefore = this.changes;
    for (;;) {
      const fired = await this.deps.store.claimDue(this.options.owner, this.options.batch, (schedule) => this.plan(schedule));
      for (const { schedule, fireAt } of fired) {
        this.deps.logger.info({ scheduleId: schedule.id, channelId: schedule.channelId, fireAt }, 'schedule fired');
        this.onQueued();
      }
      if (fired.length < this.options.batch) break;
    }
    const waitMs = await this.deps.store.msToNextFire();
    // A schedule whose agent was busy this instant stays due: it is tried again at the next tick.
    if (this.changes === changesBefore) this.dueAt = waitMs === null ? Number.POSITIVE_INFINITY : Date.now() + waitMs;
  }

  private forgetDueTime(): void {
    this.changes += 1;
    this.dueAt = 0;
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
