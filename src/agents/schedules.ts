import type { ChannelRef, Schedule } from './types.js';

/**
 * What the engine asks of the scheduler (implemented in src/scheduler, which computes fire times):
 * every change validates its input and checks, in code, that the people it acts for may make it.
 * Refusals are answers (`ok: false`) written for people, never throws.
 */
export interface ScheduleManager {
  /** In a server channel, for its agent; the first of `actingFor` is the creator. */
  create(where: ChannelRef & { agentId: number }, actingFor: readonly string[], request: ScheduleRequest): Promise<ScheduleAnswer>;
  edit(where: ChannelRef, actingFor: readonly string[], scheduleId: number, changes: Partial<ScheduleRequest>): Promise<ScheduleAnswer>;
  /** `remove`, `pause`, `resume` or `run-now` of one schedule. */
  act(where: ChannelRef, actingFor: readonly string[], scheduleId: number, action: ScheduleAction): Promise<ScheduleAnswer>;
  /** This channel's schedules (`all`: the guild's), for people to read. */
  list(where: ChannelRef, all: boolean): Promise<string>;
  setGuildTimezone(where: ChannelRef, userId: string, timezone: string): Promise<ScheduleAnswer>;
  /** Autocomplete: this guild's schedules matching `query`, shown in words. */
  suggest(where: ChannelRef, query: string): Promise<Array<{ name: string; value: number }>>;
}

export type ScheduleAction = 'remove' | 'pause' | 'resume' | 'run-now';

export interface ScheduleRequest {
  cron: string;
  task: string;
  /** An IANA zone; default: the guild's, else UTC. */
  timezone?: string | undefined;
  /** A helper's name; null (on edit): none any more, the channel's agent does the task. */
  helper?: string | null | undefined;
  notify?: boolean | undefined;
  /** A role pinged above each answer (added outside the model's text; implies notify). */
  mentionRoleId?: string | null | undefined;
}

export type ScheduleAnswer = { ok: true; text: string; schedule?: Schedule } | { ok: false; error: string };

/** The custom id of the Resume button under a paused schedule's notice. */
export function resumeActionId(scheduleId: number): string {
  return `resume:${scheduleId}`;
}

/** What the channel is told when a schedule pauses itself. */
export function pausedNotice(schedule: Schedule): string {
  return `⏸️ Schedule #${schedule.id} is paused: ${schedule.pausedReason ?? 'paused'}. Resume it with the button or \`/schedule resume schedule:${schedule.id}\`.`;
}

/** A schedule whose firings failed this many times in a row pauses itself. */
export const SCHEDULE_PAUSE_AFTER_FAILURES = 3;

/** Schedule tasks are at most this long. */
export const SCHEDULE_TASK_MAX_CHARACTERS = 2000;
