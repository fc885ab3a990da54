import type { ListedSchedule } from '../agents/ports.js';
import type { Schedule } from '../agents/types.js';
import type { CronSchedule } from './cronSchedule.js';

/** A time as the schedule's zone shows it, e.g. "Wed 2 Dec 2026, 09:00". */
export function localTime(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** A Discord timestamp: every reader sees it in their own zone. */
export function discordTime(at: Date, style: 'F' | 'R' = 'F'): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:${style}>`;
}

/** "#12 · At 09:00, Monday through Friday (Europe/Istanbul) · researcher" */
export function scheduleTitle(schedule: Schedule, cron: CronSchedule | null): string {
  const words = cron ? cron.describe() : `cron ${schedule.cron}`;
  return `#${schedule.id} · ${words} (${schedule.timezone})${schedule.helper ? ` · ${schedule.helper}` : ''}`;
}

/** What a created or edited schedule will do: its words, zone and next three fire times. */
export function confirmation(verb: string, schedule: Schedule, cron: CronSchedule, now: Date): string {
  const next = cron.nextRuns(now, 3).map((at) => `- ${localTime(at, schedule.timezone)} ${schedule.timezone} — ${discordTime(at)}`);
  return [
    `${verb} schedule **#${schedule.id}**: ${cron.describe()} (\`${schedule.cron}\`, ${schedule.timezone})${schedule.helper ? `, as the ${schedule.helper} helper` : ''}.`,
    `Task: ${schedule.task}`,
    schedule.notify || schedule.mentionRoleId ? `Posts notify${schedule.mentionRoleId ? ` and mention <@&${schedule.mentionRoleId}>` : ''}.` : 'Posts are silent (no notifications).',
    next.length > 0 ? `Next fire times:\n${next.join('\n')}` : 'It has no fire time left.',
  ].join('\n');
}

/** One line of `/schedule list`. */
export function listLine(schedule: ListedSchedule, cron: CronSchedule | null, showChannel: boolean): string {
  const where = showChannel ? ` in <#${schedule.channelId}>` : '';
  const state = schedule.pausedReason ? `⏸️ paused: ${schedule.pausedReason}` : schedule.nextFireAt ? `next ${discordTime(schedule.nextFireAt)}` : 'no fire time left';
  const last = schedule.lastRun
    ? `last ${discordTime(schedule.lastRun.fireAt, 'R')}: ${schedule.lastRun.status === 'missed' ? `missed ${schedule.lastRun.missedCount}` : schedule.lastRun.status}${schedule.lastRun.late ? ' (late)' : ''}`
    : 'never fired';
  return `**${scheduleTitle(schedule, cron)}**${where} — ${state} — ${last}\n  ${schedule.task.slice(0, 120)}`;
}

/** The scheduled-task message a firing puts in the agent's conversation. */
export function firingMessage(schedule: Schedule, fireAt: Date, late: boolean, now: Date): string {
  const when = `${localTime(fireAt, schedule.timezone)} ${schedule.timezone}`;
  const lateNote = late ? ` It was due then but runs late, at ${localTime(now, schedule.timezone)}, because no bot process was running at that time.` : '';
  return `⏰ Scheduled task #${schedule.id} (fire time ${when}; created by <@${schedule.createdBy}>).${lateNote} Do it now and answer here:\n${schedule.task}`;
}
