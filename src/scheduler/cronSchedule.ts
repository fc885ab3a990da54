import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import { isTimeZone, unknownTimeZoneMessage } from './timeZones.js';

// When a schedule fires: croner parses, validates and computes fire times (one parser for all
// three, so what is accepted is what runs), in the schedule's IANA zone. Pure: no clock reads,
// callers pass `now`.
//
// What croner does, with the options below (each pinned by a test):
// - Day of month and weekday both restricted (`0 9 1 * MON`): either matches, as in Vixie cron.
//   A leading `+` on the weekday (`0 9 1 * +MON`) asks for both. Unlike Vixie, a day field such as
//   `*/2` counts as restricted (Vixie ANDs when a field starts with `*`).
// - `L` (last day, `5L` last Friday), `W` (`15W` nearest weekday), `#` (`MON#2`, `5#L`) and `?`
//   (same as `*`) are accepted; months and weekdays by name; 0 and 7 are Sunday.
// - Daylight saving follows the zone's clock. A fixed-time job — no `*` or step in its second,
//   minute and hour fields, so lists and ranges such as `0 9,13 * * *` count — fires once when its
//   time happens twice (at the first pass) and, when its time does not exist, once at the end of
//   the gap (02:30 → 03:00 local). Other jobs (`*/30 1 * * *`, `0 9-17/2 * * *`) fire on both
//   passes of a repeated hour and skip the times in a gap.
const CRON_OPTIONS = {
  mode: '5-or-6-parts',
  domAndDow: false,
  // croner's default ("single-value") would fire `30 1,13 * * *` twice on a repeated 01:30.
  fixedTimeRule: 'no-wildcard',
} as const;

/** A firing less late than this is on time: the tick runs every second, and a busy one may lag. */
export const LATE_TOLERANCE_MS = 60_000;
/**
 * Skipped fire times are counted one croner step at a time (about 40 µs each): stop at this many,
 * so a long outage costs at most ~40 ms per schedule. The count means "at least" at the cap.
 */
export const MISSED_COUNT_CAP = 1_000;
/** How far the minimum interval is checked: enough fires to meet both DST changes of most schedules. */
const INTERVAL_CHECK_FIRES = 500;
const INTERVAL_CHECK_SPAN_MS = 2 * 366 * 24 * 3600_000;

/** A validated schedule: cron expression (5 or 6 fields; 6 = seconds first) in an IANA zone. */
export interface CronSchedule {
  /** Normalised: trimmed, single spaces. */
  readonly cron: string;
  readonly timezone: string;
  /** The next `count` fire times strictly after `after`. */
  nextRuns(after: Date, count: number): Date[];
  /** The newest fire time at or before `atOrBefore`, or null when there is none. */
  lastRun(atOrBefore: Date): Date | null;
  /** English words for the expression (cronstrue), e.g. "At 09:00, Monday through Friday". */
  describe(): string;
}

export type ParsedSchedule = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

/** The checks of a schedule being created or edited, and the instant they start from. */
export interface ScheduleLimits {
  /** The shortest gap allowed between two consecutive fire times (SCHEDULE_MIN_INTERVAL_SECONDS). */
  minIntervalSeconds: number;
  now: Date;
}

/**
 * Validates a cron expression in a zone; `error` is a sentence for the user. With `limits` (new
 * or edited input), also refuses a pattern that never fires or fires too often. Without (a stored
 * schedule, checked when it was saved) it stays cheap: the interval check walks up to 500 fire
 * times, too much to repeat at every firing.
 */
export function parseSchedule(cron: string, timezone: string, limits?: ScheduleLimits): ParsedSchedule {
  const fields = cron.trim().split(/\s+/).filter((field) => field !== '');
  const expression = fields.join(' ');
  if (fields.length !== 5 && fields.length !== 6) {
    const count = `${fields.length} field${fields.length === 1 ? '' : 's'}`;
    return refuse(`Cron expression "${expression}" has ${count}; use 5 (minute hour day month weekday) or 6 (second first)`);
  }
  if (!isTimeZone(timezone)) return refuse(unknownTimeZoneMessage(timezone));
  let job: Cron;
  try {
    job = new Cron(expression, { ...CRON_OPTIONS, timezone });
  } catch (error) {
    return refuse(`Invalid cron expression "${expression}": ${syntaxProblem(fields, error)}`);
  }
  const description = describeCron(fields);
  const schedule: CronSchedule = {
    cron: expression,
    timezone,
    nextRuns: (after, count) => job.nextRuns(count, after),
    // previousRuns looks strictly before its reference.
    lastRun: (atOrBefore) => job.previousRuns(1, new Date(atOrBefore.getTime() + 1))[0] ?? null,
    describe: () => description,
  };
  const problem = limits && frequencyProblem(schedule, limits);
  return problem ? refuse(problem) : { ok: true, schedule };
}

function refuse(error: string): ParsedSchedule {
  return { ok: false, error };
}

const FIELDS = [
  ['minute', '0-59'],
  ['hour', '0-23'],
  ['day of month', '1-31, L or W'],
  ['month', '1-12 or JAN-DEC'],
  ['weekday', '0-7 or SUN-SAT, L or #'],
] as const;
const SECOND_FIELD = ['second', '0-59'] as const;

/**
 * Which field is wrong, found by giving croner each field alone: its own messages name fields by
 * index and some values off by one ("Invalid value for month: 12" for 13).
 */
function syntaxProblem(fields: string[], error: unknown): string {
  const names = fields.length === 6 ? [SECOND_FIELD, ...FIELDS] : FIELDS;
  const bad = fields.findIndex((field, index) => !parses(fields.map((other, i) => (i === index ? field : '*'))));
  const name = names[bad];
  if (name) return `the ${name[0]} field "${fields[bad]}" is not valid (allowed: ${name[1]})`;
  // Each field is fine alone: croner's own words for the combination.
  return (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
}

function parses(fields: string[]): boolean {
  try {
    new Cron(fields.join(' '), CRON_OPTIONS);
    return true;
  } catch {
    return false;
  }
}

/**
 * cronstrue's words. It does not know croner's `+` (both day fields must match), which is its
 * `logicalAndDayFields` option, nor every croner form (`5#L`, the same as `5L`): then the
 * expression itself is the description.
 */
function describeCron(fields: string[]): string {
  const weekday = fields.at(-1) ?? '';
  const bothDays = weekday.startsWith('+');
  const expression = [...fields.slice(0, -1), bothDays ? weekday.slice(1) : weekday].join(' ');
  try {
    return cronstrue.toString(expression, { use24HourTimeFormat: true, logicalAndDayFields: bothDays });
  } catch {
    return `cron ${fields.join(' ')}`;
  }
}

/** A schedule that never fires, or has two consecutive fire times closer than the minimum. */
function frequencyProblem(schedule: CronSchedule, { minIntervalSeconds, now }: ScheduleLimits): string | null {
  const first = schedule.nextRuns(now, 1)[0];
  if (!first) return `Cron expression "${schedule.cron}" never fires: no date matches it`;
  const horizon = now.getTime() + INTERVAL_CHECK_SPAN_MS;
  let shortest = Infinity;
  let previous = first;
  for (let fires = 1; fires < INTERVAL_CHECK_FIRES; fires++) {
    const next: Date | undefined = schedule.nextRuns(previous, 1)[0];
    if (!next || next.getTime() > horizon) break;
    shortest = Math.min(shortest, next.getTime() - previous.getTime());
    previous = next;
  }
  if (shortest >= minIntervalSeconds * 1000) return null;
  return `Cron expression "${schedule.cron}" fires every ${shortest / 1000} s at times; the minimum is ${minIntervalSeconds} s (SCHEDULE_MIN_INTERVAL_SECONDS)`;
}

export interface DueFiring {
  /** The fire time to run now, or null. */
  fireAt: Date | null;
  /** fireAt is more than LATE_TOLERANCE_MS before now: the post says when it was due. */
  late: boolean;
  /** Fire times in [due, now] skipped without running (at most MISSED_COUNT_CAP). */
  missed: number;
  /** The first fire time after now: the schedule's next `due`. */
  next: Date | null;
}

/**
 * What is due at `now` for a schedule whose stored next fire time is `due` (the database's
 * promise, counted as a fire time even if the pattern has changed since). After downtime only the
 * newest fire time at or before now runs, if it is at most `catchUpMs` old; the others are missed.
 */
export function dueFiring(schedule: CronSchedule, due: Date, now: Date, catchUpMs: number): DueFiring {
  if (due.getTime() > now.getTime()) return { fireAt: null, late: false, missed: 0, next: due };
  const last = schedule.lastRun(now);
  const newest = last && last.getTime() > due.getTime() ? last : due;
  const next = schedule.nextRuns(now, 1)[0] ?? null;
  const age = now.getTime() - newest.getTime();
  if (age > catchUpMs) {
    return { fireAt: null, late: false, missed: countFireTimes(schedule, due, new Date(newest.getTime() + 1)), next };
  }
  return { fireAt: newest, late: age > LATE_TOLERANCE_MS, missed: countFireTimes(schedule, due, newest), next };
}

/** Fire times in [from, until), `from` counted as one, up to MISSED_COUNT_CAP. */
function countFireTimes(schedule: CronSchedule, from: Date, until: Date): number {
  let count = 0;
  for (let slot: Date | undefined = from; slot && slot < until && count < MISSED_COUNT_CAP; slot = schedule.nextRuns(slot, 1)[0]) {
    count++;
  }
  return count;
}
