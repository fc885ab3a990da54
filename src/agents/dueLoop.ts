import type { Logger } from './logger.js';

/**
 * The longest a due loop sleeps: a due time set by wall clock (`wakeBy`) would otherwise wait
 * through a clock change for a timer set before it.
 */
const MAX_SLEEP_MS = 60 * 60 * 1000;
/**
 * The shortest wait other than "at once": a row due now that the task could not take is locked
 * by another process's claim, and is looked at again shortly rather than in a spin.
 */
const MIN_WAIT_MS = 50;

export interface DueLoopOptions {
  /** How long to wait before running again after the task failed (the database was away). */
  retryMs: number;
  /** Logged, with the error, when the task fails. */
  failure: string;
}

/**
 * Runs a task when kicked and when the time it asked for comes, and at no other time: an idle
 * process sleeps. The task does what is due and returns in how many milliseconds it is next
 * needed (null: only when kicked; 0: at once, which is how a task takes a backlog in batches;
 * any other wait is at least MIN_WAIT_MS).
 * Never two runs at once: a kick during a run runs the task again after it.
 */
export class DueLoop {
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (epoch ms). */
  private timerAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly task: () => Promise<number | null>,
    private readonly options: DueLoopOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Something changed that the task may have to act on: run it now. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.disarm();
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Something will be due at `at` (a deadline this process just set): run the task by then. */
  wakeBy(at: Date): void {
    if (!this.stopped) this.arm(at.getTime());
  }

  /** Stops; waits for a run in progress (the database must not close under it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await this.running;
  }

  private async run(): Promise<void> {
    let waitMs: number | null;
    try {
      waitMs = await this.task();
    } catch (error) {
      this.logger.warn({ err: error }, this.options.failure);
      waitMs = this.options.retryMs;
    }
    // A timer armed during the run (wakeBy) is kept when it is the earlier.
    if (waitMs !== null && !this.stopped) this.arm(Date.now() + (waitMs === 0 ? 0 : Math.max(waitMs, MIN_WAIT_MS)));
  }

  private arm(at: number): void {
    if (at >= this.timerAt) return;
    this.disarm();
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.kick();
      },
      Math.min(Math.max(0, at - Date.now()), MAX_SLEEP_MS),
    );
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }
}
