import { describe, expect, it } from 'vitest';
import {
  type CronSchedule,
  dueFiring,
  LATE_TOLERANCE_MS,
  MISSED_COUNT_CAP,
  parseSchedule,
} from '../../src/scheduler/cronSchedule.js';
import { isTimeZone, suggestTimeZones } from '../../src/scheduler/timeZones.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const limits = (minIntervalSeconds: number, now = at('2027-03-13T00:00:00Z')) => ({ minIntervalSeconds, now });

function schedule(cron: string, timezone = 'UTC'): CronSchedule {
  const parsed = parseSchedule(cron, timezone);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

function errorOf(cron: string, timezone = 'UTC', check?: ReturnType<typeof limits>): string {
  const parsed = parseSchedule(cron, timezone, check);
  if (parsed.ok) throw new Error(`"${cron}" was accepted`);
  return parsed.error;
}

/** "YYYY-MM-DD HH:MM" on the zone's wall clock. */
function local(date: Date, timezone: string): string {
  return date.toLocaleString('sv-SE', { timeZone: timezone }).slice(0, 16);
}

describe('parseSchedule: the expression', () => {
  it('normalises spaces and keeps the zone', () => {
    const parsed = schedule('  0   9 *\t* 1-5 ', 'Europe/Istanbul');
    expect(parsed.cron).toBe('0 9 * * 1-5');
    expect(parsed.timezone).toBe('Europe/Istanbul');
  });

  it('refuses anything but 5 or 6 fields, saying how many there are', () => {
    expect(errorOf('* * * *')).toBe(
      'Cron expression "* * * *" has 4 fields; use 5 (minute hour day month weekday) or 6 (second first)',
    );
    expect(errorOf('0 0 9 * * * 2027')).toContain('has 7 fields');
    expect(errorOf('@daily')).toContain('has 1 field;');
    expect(errorOf('   ')).toContain('has 0 fields');
  });

  it('names the field croner refuses, with its allowed values', () => {
    expect(errorOf('0 25 * * *')).toBe('Invalid cron expression "0 25 * * *": the hour field "25" is not valid (allowed: 0-23)');
    expect(errorOf('61 * * * *')).toContain('the minute field "61"');
    expect(errorOf('0 9 0 * *')).toContain('the day of month field "0"');
    expect(errorOf('0 9 * 13 *')).toContain('the month field "13"');
    expect(errorOf('0 9 * * MON#6')).toContain('the weekday field "MON#6"');
    expect(errorOf('0 9 * * 8')).toContain('the weekday field "8"');
    expect(errorOf('5/5 * * * *')).toContain('the minute field "5/5"');
    expect(errorOf('*/0 * * * *')).toContain('the minute field "*/0"');
  });

  it('reads six fields as seconds first', () => {
    expect(errorOf('60 0 9 * * *')).toContain('the second field "60"');
    expect(errorOf('0 60 9 * * *')).toContain('the minute field "60"');
    expect(iso(schedule('30 0 9 * * *').nextRuns(at('2027-03-13T00:00:00Z'), 1))).toEqual(['2027-03-13T09:00:30.000Z']);
  });

  it('refuses a pattern that never fires', () => {
    expect(errorOf('0 0 30 2 *', 'UTC', limits(300))).toBe('Cron expression "0 0 30 2 *" never fires: no date matches it');
  });
});

describe('parseSchedule: the minimum interval', () => {
  const minimum = (seconds: number) => `the minimum is ${seconds} s (SCHEDULE_MIN_INTERVAL_SECONDS)`;

  it('refuses every minute, every second and two fires a minute apart once a day', () => {
    expect(errorOf('*/1 * * * *', 'UTC', limits(300))).toBe(
      `Cron expression "*/1 * * * *" fires every 60 s at times; ${minimum(300)}`,
    );
    expect(errorOf('* * * * * *', 'UTC', limits(300))).toContain(`fires every 1 s at times; ${minimum(300)}`);
    expect(errorOf('0,1 9 * * *', 'UTC', limits(300))).toContain(`fires every 60 s at times; ${minimum(300)}`);
    expect(errorOf('*/4 * * * *', 'UTC', limits(300))).toContain('fires every 240 s');
  });

  it('accepts every five minutes at 300 s; the minimum is a parameter', () => {
    expect(parseSchedule('*/5 * * * *', 'UTC', limits(300)).ok).toBe(true);
    expect(parseSchedule('*/2 * * * * *', 'UTC', limits(1)).ok).toBe(true);
    expect(errorOf('*/2 * * * * *', 'UTC', limits(3))).toContain(`fires every 2 s at times; ${minimum(3)}`);
  });

  it('accepts a gap equal to the minimum, and reports the shortest gap, not the first too short', () => {
    expect(parseSchedule('0 9 * * *', 'UTC', limits(DAY / 1000)).ok).toBe(true);
    expect(errorOf('0 9,21 * * *', 'UTC', limits(DAY / 1000))).toContain('fires every 43200 s');
    // 09:00, 09:45, 10:00, 10:45: 45 min is already too short, 15 min is the shortest.
    expect(errorOf('0,45 9,10 * * *', 'UTC', limits(3600))).toContain('fires every 900 s');
  });

  it('sees a gap that daylight saving shortens, within the checked span', () => {
    // 02:30 does not exist on 2027-03-14 in New York: it fires at 03:00, 30 minutes before 03:30.
    const now = at('2027-03-01T00:00:00Z');
    expect(errorOf('30 2,3 * * *', 'America/New_York', limits(3600, now))).toContain('fires every 1800 s');
    expect(parseSchedule('30 2,3 * * *', 'UTC', limits(3600, now)).ok).toBe(true);
  });

  it('is skipped for a stored schedule (no limits)', () => {
    expect(parseSchedule('* * * * * *', 'UTC').ok).toBe(true);
  });
});

describe('parseSchedule: the time zone', () => {
  it('refuses an unknown zone, suggesting an IANA name', () => {
    expect(errorOf('0 9 * * *', 'Mars/Base')).toBe('Unknown time zone "Mars/Base": use an IANA name such as Europe/Istanbul');
  });

  it('refuses a miscased name or an old alias, suggesting the zone meant', () => {
    expect(errorOf('0 9 * * *', 'europe/london')).toBe('Unknown time zone "europe/london": use an IANA name such as Europe/London');
    expect(errorOf('0 9 * * *', 'US/Eastern')).toContain('such as America/New_York');
    expect(errorOf('0 9 * * *', 'asia/kolkata')).toContain('such as Asia/Kolkata');
    expect(errorOf('0 9 * * *', 'Etc/GMT+5')).toContain('such as Europe/Istanbul');
  });

  it('computes fire times in the zone', () => {
    const after = at('2027-01-10T00:00:00Z');
    expect(iso(schedule('0 9 * * *', 'Europe/Istanbul').nextRuns(after, 1))).toEqual(['2027-01-10T06:00:00.000Z']);
    expect(iso(schedule('0 9 * * *', 'Asia/Kolkata').nextRuns(after, 1))).toEqual(['2027-01-10T03:30:00.000Z']);
    expect(iso(schedule('0 9 * * *', 'America/New_York').nextRuns(after, 1))).toEqual(['2027-01-10T14:00:00.000Z']);
  });
});

describe('isTimeZone', () => {
  it('accepts exact IANA names, current and renamed, and UTC', () => {
    for (const zone of ['UTC', 'Europe/Istanbul', 'America/New_York', 'Asia/Kolkata', 'Asia/Calcutta', 'Europe/Kyiv', 'America/Argentina/Buenos_Aires']) {
      expect(isTimeZone(zone), zone).toBe(true);
    }
  });

  it('refuses other spellings and unknown names', () => {
    for (const zone of ['', 'utc', 'Etc/UTC', 'GMT', 'europe/istanbul', 'US/Eastern', 'EST5EDT', '+03:00', 'Mars/Base']) {
      expect(isTimeZone(zone), zone).toBe(false);
    }
  });
});

describe('suggestTimeZones', () => {
  it('puts names starting with the query first, then a part starting with it, then the rest', () => {
    expect(suggestTimeZones('lon', 25)).toEqual(['Arctic/Longyearbyen', 'Europe/London', 'America/Blanc-Sablon', 'America/Miquelon']);
    expect(suggestTimeZones('europe/', 25).every((zone) => zone.startsWith('Europe/'))).toBe(true);
    expect(suggestTimeZones('IST', 25)[0]).toBe('Europe/Istanbul');
  });

  it('ignores case and reads a space as the underscore', () => {
    expect(suggestTimeZones('  NEW york', 25)).toEqual(['America/New_York']);
    expect(suggestTimeZones('utc', 25)).toEqual(['UTC']);
  });

  it('offers current names only, each one accepted', () => {
    expect(suggestTimeZones('kol', 25)).toContain('Asia/Kolkata');
    expect(suggestTimeZones('calcutta', 25)).toEqual([]);
    const all = suggestTimeZones('', 1000);
    expect(all.length).toBeGreaterThan(400);
    expect(all.every(isTimeZone)).toBe(true);
    expect([...all].sort()).toEqual(all);
  });

  it('returns at most `limit` names', () => {
    expect(suggestTimeZones('', 25)).toHaveLength(25);
    expect(suggestTimeZones('america', 3)).toEqual(['America/Adak', 'America/Anchorage', 'America/Anguilla']);
    expect(suggestTimeZones('a', 0)).toEqual([]);
  });
});

describe('nextRuns and lastRun', () => {
  const daily = schedule('0 9 * * *');

  it('nextRuns is strictly after, also within the fire second', () => {
    expect(iso(daily.nextRuns(at('2027-03-13T08:59:59.999Z'), 1))).toEqual(['2027-03-13T09:00:00.000Z']);
    expect(iso(daily.nextRuns(at('2027-03-13T09:00:00.000Z'), 1))).toEqual(['2027-03-14T09:00:00.000Z']);
    expect(iso(daily.nextRuns(at('2027-03-13T09:00:00.500Z'), 2))).toEqual(['2027-03-14T09:00:00.000Z', '2027-03-15T09:00:00.000Z']);
    expect(daily.nextRuns(at('2027-03-13T00:00:00Z'), 0)).toEqual([]);
  });

  it('lastRun is at or before', () => {
    expect(daily.lastRun(at('2027-03-13T09:00:00.000Z'))?.toISOString()).toBe('2027-03-13T09:00:00.000Z');
    expect(daily.lastRun(at('2027-03-13T08:59:59.999Z'))?.toISOString()).toBe('2027-03-12T09:00:00.000Z');
    expect(schedule('0 0 30 2 *').lastRun(at('2027-03-13T00:00:00Z'))).toBeNull();
  });
});

describe('lists, ranges, steps, day fields', () => {
  const from = at('2027-03-12T00:00:00Z'); // a Friday

  it('a stepped hour range on weekdays', () => {
    expect(iso(schedule('0 9-17/2 * * 1-5').nextRuns(from, 6))).toEqual([
      '2027-03-12T09:00:00.000Z',
      '2027-03-12T11:00:00.000Z',
      '2027-03-12T13:00:00.000Z',
      '2027-03-12T15:00:00.000Z',
      '2027-03-12T17:00:00.000Z',
      '2027-03-15T09:00:00.000Z',
    ]);
  });

  it('a list of hours', () => {
    expect(iso(schedule('0 9,13 * * *').nextRuns(from, 3))).toEqual([
      '2027-03-12T09:00:00.000Z',
      '2027-03-12T13:00:00.000Z',
      '2027-03-13T09:00:00.000Z',
    ]);
  });

  it('day of month OR weekday when both are restricted (Vixie); + asks for both', () => {
    expect(iso(schedule('0 9 1 * MON').nextRuns(from, 4))).toEqual([
      '2027-03-15T09:00:00.000Z',
      '2027-03-22T09:00:00.000Z',
      '2027-03-29T09:00:00.000Z',
      '2027-04-01T09:00:00.000Z',
    ]);
    expect(iso(schedule('0 9 1 * +MON').nextRuns(from, 1))).toEqual(['2027-11-01T09:00:00.000Z']);
    // Unlike Vixie (which ANDs when a day field starts with *), a stepped wildcard is a restriction.
    expect(iso(schedule('0 9 */2 * MON').nextRuns(from, 3))).toEqual([
      '2027-03-13T09:00:00.000Z',
      '2027-03-15T09:00:00.000Z',
      '2027-03-17T09:00:00.000Z',
    ]);
    expect(iso(schedule('0 9 * * MON').nextRuns(from, 1))).toEqual(['2027-03-15T09:00:00.000Z']);
    expect(iso(schedule('0 9 1 * *').nextRuns(from, 1))).toEqual(['2027-04-01T09:00:00.000Z']);
  });

  it('L, W, #, ? and Sunday as 7', () => {
    const first = (cron: string) => schedule(cron).nextRuns(from, 1)[0]?.toISOString();
    expect(first('0 9 L * *')).toBe('2027-03-31T09:00:00.000Z');
    expect(first('0 9 LW * *')).toBe('2027-03-31T09:00:00.000Z');
    expect(schedule('0 9 15W * *').nextRuns(at('2027-04-16T00:00:00Z'), 1)[0]?.toISOString()).toBe('2027-05-14T09:00:00.000Z'); // 15 May is a Saturday
    expect(first('0 9 * * 5L')).toBe('2027-03-26T09:00:00.000Z');
    expect(first('0 9 * * 5#L')).toBe('2027-03-26T09:00:00.000Z');
    expect(first('0 9 * * MON#2')).toBe('2027-04-12T09:00:00.000Z');
    expect(first('0 9 ? * MON')).toBe('2027-03-15T09:00:00.000Z');
    expect(first('0 9 * * 7')).toBe('2027-03-14T09:00:00.000Z');
    expect(first('0 9 * JAN SUN')).toBe('2028-01-02T09:00:00.000Z');
  });
});

describe('daylight saving', () => {
  const NY = 'America/New_York';
  const LONDON = 'Europe/London';
  const runs = (cron: string, zone: string, from: string, count: number) =>
    schedule(cron, zone).nextRuns(at(from), count).map((date) => `${date.toISOString()} ${local(date, zone)}`);

  it('New York spring forward: 02:30 does not exist, it fires once at 03:00 local', () => {
    expect(runs('30 2 * * *', NY, '2027-03-13T12:00:00Z', 3)).toEqual([
      '2027-03-14T07:00:00.000Z 2027-03-14 03:00',
      '2027-03-15T06:30:00.000Z 2027-03-15 02:30',
      '2027-03-16T06:30:00.000Z 2027-03-16 02:30',
    ]);
  });

  it('New York fall back: 01:30 happens twice, it fires once, at the first', () => {
    expect(runs('30 1 * * *', NY, '2027-11-06T12:00:00Z', 2)).toEqual([
      '2027-11-07T05:30:00.000Z 2027-11-07 01:30',
      '2027-11-08T06:30:00.000Z 2027-11-08 01:30',
    ]);
    // A list of fixed times counts as fixed-time too (croner's default would fire 01:30 twice).
    expect(runs('30 1,13 * * *', NY, '2027-11-07T00:00:00Z', 3)).toEqual([
      '2027-11-07T05:30:00.000Z 2027-11-07 01:30',
      '2027-11-07T18:30:00.000Z 2027-11-07 13:30',
      '2027-11-08T06:30:00.000Z 2027-11-08 01:30',
    ]);
  });

  it('an interval job fires in both passes of the repeated hour and skips the gap', () => {
    expect(runs('*/30 1 * * *', NY, '2027-11-07T04:00:00Z', 5)).toEqual([
      '2027-11-07T05:00:00.000Z 2027-11-07 01:00',
      '2027-11-07T05:30:00.000Z 2027-11-07 01:30',
      '2027-11-07T06:00:00.000Z 2027-11-07 01:00',
      '2027-11-07T06:30:00.000Z 2027-11-07 01:30',
      '2027-11-08T06:00:00.000Z 2027-11-08 01:00',
    ]);
    expect(runs('0 0-23/2 * * *', NY, '2027-03-14T04:00:00Z', 2)).toEqual([
      '2027-03-14T05:00:00.000Z 2027-03-14 00:00',
      '2027-03-14T08:00:00.000Z 2027-03-14 04:00',
    ]);
    expect(runs('0 * * * *', NY, '2027-03-14T05:30:00Z', 2)).toEqual([
      '2027-03-14T06:00:00.000Z 2027-03-14 01:00',
      '2027-03-14T07:00:00.000Z 2027-03-14 03:00',
    ]);
  });

  it('09:00 stays 09:00 local across both changes', () => {
    expect(runs('0 9 * * *', NY, '2027-03-13T00:00:00Z', 2)).toEqual([
      '2027-03-13T14:00:00.000Z 2027-03-13 09:00',
      '2027-03-14T13:00:00.000Z 2027-03-14 09:00',
    ]);
    expect(runs('0 9 * * *', NY, '2027-11-06T00:00:00Z', 2)).toEqual([
      '2027-11-06T13:00:00.000Z 2027-11-06 09:00',
      '2027-11-07T14:00:00.000Z 2027-11-07 09:00',
    ]);
    expect(runs('0 9 * * *', LONDON, '2027-03-27T00:00:00Z', 2)).toEqual([
      '2027-03-27T09:00:00.000Z 2027-03-27 09:00',
      '2027-03-28T08:00:00.000Z 2027-03-28 09:00',
    ]);
    expect(runs('0 9 * * *', LONDON, '2027-10-30T00:00:00Z', 2)).toEqual([
      '2027-10-30T08:00:00.000Z 2027-10-30 09:00',
      '2027-10-31T09:00:00.000Z 2027-10-31 09:00',
    ]);
  });

  it('London: 01:30 does not exist on 2027-03-28 (fires at 02:00) and happens twice on 2027-10-31 (fires once)', () => {
    expect(runs('30 1 * * *', LONDON, '2027-03-27T12:00:00Z', 2)).toEqual([
      '2027-03-28T01:00:00.000Z 2027-03-28 02:00',
      '2027-03-29T00:30:00.000Z 2027-03-29 01:30',
    ]);
    expect(runs('30 1 * * *', LONDON, '2027-10-30T12:00:00Z', 2)).toEqual([
      '2027-10-31T00:30:00.000Z 2027-10-31 01:30',
      '2027-11-01T01:30:00.000Z 2027-11-01 01:30',
    ]);
  });

  it('lastRun agrees with nextRuns across the changes', () => {
    for (const [cron, zone, from] of [
      ['30 2 * * *', NY, '2027-03-10T00:00:00Z'],
      ['30 1 * * *', NY, '2027-11-04T00:00:00Z'],
      ['*/30 1 * * *', NY, '2027-11-06T00:00:00Z'],
      ['30 1 * * *', LONDON, '2027-10-29T00:00:00Z'],
    ] as const) {
      const parsed = schedule(cron, zone);
      const forward = parsed.nextRuns(at(from), 12);
      for (const [index, run] of forward.entries()) {
        expect(parsed.lastRun(run)?.toISOString(), `${cron} ${zone}`).toBe(run.toISOString());
        const before = forward[index - 1];
        if (before) expect(parsed.lastRun(new Date(run.getTime() - 1))?.toISOString()).toBe(before.toISOString());
      }
    }
  });
});

describe('describe', () => {
  it('says the expression in English words, 24-hour clock', () => {
    expect(schedule('0 9 * * 1-5').describe()).toBe('At 09:00, Monday through Friday');
    expect(schedule('0 9,13 * * *').describe()).toBe('At 09:00 and 13:00');
    expect(schedule('*/2 * * * * *').describe()).toBe('Every 2 seconds');
    expect(schedule('0 9 1 * MON').describe()).toBe('At 09:00, on day 1 of the month, and on Monday');
  });

  it('describes + (both day fields) as AND, and falls back to the expression where cronstrue cannot', () => {
    expect(schedule('0 9 1 * +MON').describe()).toBe('At 09:00, on day 1 of the month, only on Monday');
    expect(schedule('0 9 * * 5#L').describe()).toBe('cron 0 9 * * 5#L');
  });
});

describe('dueFiring', () => {
  const fiveMinutes = schedule('*/5 * * * *');
  const daily = schedule('0 9 * * *');

  it('nothing is due before the stored fire time', () => {
    const due = at('2027-03-13T09:05:00Z');
    expect(dueFiring(fiveMinutes, due, at('2027-03-13T09:04:59.999Z'), DAY)).toEqual({ fireAt: null, late: false, missed: 0, next: due });
  });

  it('fires the due time on the tick, or a little later, not late', () => {
    const due = at('2027-03-13T09:05:00Z');
    const next = at('2027-03-13T09:10:00Z');
    expect(dueFiring(fiveMinutes, due, due, DAY)).toEqual({ fireAt: due, late: false, missed: 0, next });
    expect(dueFiring(fiveMinutes, due, at('2027-03-13T09:05:01.200Z'), DAY)).toEqual({ fireAt: due, late: false, missed: 0, next });
    expect(dueFiring(fiveMinutes, due, new Date(due.getTime() + LATE_TOLERANCE_MS), DAY).late).toBe(false);
    expect(dueFiring(fiveMinutes, due, new Date(due.getTime() + LATE_TOLERANCE_MS + 1), DAY).late).toBe(true);
    expect(LATE_TOLERANCE_MS).toBe(60_000);
  });

  it('after downtime fires the newest missed time once and counts the others', () => {
    expect(dueFiring(fiveMinutes, at('2027-03-13T09:00:00Z'), at('2027-03-13T09:17:30Z'), DAY)).toEqual({
      fireAt: at('2027-03-13T09:15:00Z'),
      late: true,
      missed: 3,
      next: at('2027-03-13T09:20:00Z'),
    });
    // The newest time is 30 s old: on time, though three were missed before it.
    expect(dueFiring(fiveMinutes, at('2027-03-13T09:00:00Z'), at('2027-03-13T09:15:30Z'), DAY)).toMatchObject({
      fireAt: at('2027-03-13T09:15:00Z'),
      late: false,
      missed: 3,
    });
    expect(dueFiring(daily, at('2027-03-10T09:00:00Z'), at('2027-03-13T10:00:00Z'), DAY)).toEqual({
      fireAt: at('2027-03-13T09:00:00Z'),
      late: true,
      missed: 3,
      next: at('2027-03-14T09:00:00Z'),
    });
  });

  it('fires a time exactly catchUpMs old, and skips an older one, counting it as missed', () => {
    const due = at('2027-03-10T09:00:00Z');
    expect(dueFiring(daily, due, at('2027-03-13T09:30:00Z'), 30 * MINUTE).fireAt).toEqual(at('2027-03-13T09:00:00Z'));
    expect(dueFiring(daily, due, at('2027-03-13T09:30:00.001Z'), 30 * MINUTE)).toEqual({
      fireAt: null,
      late: false,
      missed: 4,
      next: at('2027-03-14T09:00:00Z'),
    });
    expect(dueFiring(daily, due, due, 0)).toMatchObject({ fireAt: due, missed: 0 });
  });

  it('stops counting at MISSED_COUNT_CAP, quickly', () => {
    const everySecond = schedule('* * * * * *', 'Europe/London');
    const now = at('2027-03-13T00:00:00Z');
    const started = performance.now();
    expect(dueFiring(everySecond, new Date(now.getTime() - DAY), now, DAY)).toEqual({
      fireAt: now,
      late: false,
      missed: MISSED_COUNT_CAP,
      next: at('2027-03-13T00:00:01Z'),
    });
    const later = at('2027-03-13T00:00:00.700Z');
    expect(dueFiring(everySecond, new Date(now.getTime() - DAY), later, 500)).toMatchObject({ fireAt: null, missed: MISSED_COUNT_CAP });
    expect(dueFiring(everySecond, new Date(now.getTime() - 10_000), now, 500)).toMatchObject({ fireAt: now, missed: 10 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('counts the stored time as a fire time even if the pattern no longer matches it', () => {
    const hourly = schedule('0 * * * *');
    expect(dueFiring(hourly, at('2027-03-13T09:02:00Z'), at('2027-03-13T09:30:00Z'), DAY)).toEqual({
      fireAt: at('2027-03-13T09:02:00Z'),
      late: true,
      missed: 0,
      next: at('2027-03-13T10:00:00Z'),
    });
    expect(dueFiring(hourly, at('2027-03-13T09:02:00Z'), at('2027-03-13T11:00:00Z'), DAY)).toMatchObject({
      fireAt: at('2027-03-13T11:00:00Z'),
      late: false,
      missed: 2,
    });
  });

  it('walks a repeated hour in real time', () => {
    const halfHourly = schedule('*/30 1 * * *', 'America/New_York');
    expect(dueFiring(halfHourly, at('2027-11-07T05:00:00Z'), at('2027-11-07T06:45:00Z'), DAY)).toEqual({
      fireAt: at('2027-11-07T06:30:00Z'),
      late: true,
      missed: 3,
      next: at('2027-11-08T06:00:00Z'),
    });
  });
});
