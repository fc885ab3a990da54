import type { Logger } from '../agents/logger.js';
import type { ChatGateway, MemberPermission, ScheduleChanges, ScheduleStore } from '../agents/ports.js';
import { SCHEDULE_TASK_MAX_CHARACTERS, type ScheduleAction, type ScheduleAnswer, type ScheduleManager, type ScheduleRequest } from '../agents/schedules.js';
import { isVisiblyEmpty } from '../agents/text.js';
import type { ChannelRef, Schedule } from '../agents/types.js';
import { type CronSchedule, parseSchedule } from './cronSchedule.js';
import { confirmation, discordTime, firingMessage, listLine, scheduleTitle } from './scheduleText.js';
import { isTimeZone, unknownTimeZoneMessage } from './timeZones.js';

export interface ScheduleLimits {
  /** SCHEDULES_PER_GUILD */
  perGuild: number;
  /** SCHEDULE_MIN_INTERVAL_SECONDS */
  minIntervalSeconds: number;
}


/** Changing schedules needs Manage Channels (the guild's default zone, Manage Guild); listing is open. */
const CHANGE_PERMISSION: MemberPermission = 'ManageChannels';

/**
 * Creates, changes and lists schedules for `/schedule` and the chat tools, with the same
 * validation and permission checks for both: every person a change acts for must hold the
 * permission in the channel (a member's request never runs with an admin's rights).
 */
export class ScheduleService implements ScheduleManager {
  constructor(
    private readonly deps: {
      store: ScheduleStore;
      gateway: ChatGateway;
      helperNames: () => readonly string[];
      /** A schedule was created or changed: the scheduler reads the fire times again. */
      changed: () => void;
      /** Run-now queued the schedule's agent. */
      queued: () => void;
      logger: Logger;
    },
    private readonly limits: ScheduleLimits,
    /** The firing's owner id, for run-now (the claim's `claimed_by`). */
    private readonly owner: string,
  ) {}

  async create(where: ChannelRef & { agentId: number }, actingFor: readonly string[], request: ScheduleRequest): Promise<ScheduleAnswer> {
    const refused = (await this.refuseChange(where, actingFor)) ?? refuseTask(request.task) ?? this.refuseHelper(request.helper);
    if (refused) return { ok: false, error: refused };
    const timezone = request.timezone ?? (await this.deps.store.guildTimezone(where.guildId!)) ?? 'UTC';
    const parsed = this.parse(request.cron, timezone);
    if (!parsed.ok) return parsed;
    const created = await this.deps.store.create(
      {
        guildId: where.guildId!,
        channelId: where.channelId,
        agentId: where.agentId,
        cron: parsed.cron.cron,
        timezone,
        task: request.task.trim(),
        helper: request.helper ?? null,
        notify: request.notify === true || Boolean(request.mentionRoleId),
        mentionRoleId: request.mentionRoleId ?? null,
        createdBy: actingFor[0]!,
        nextFireAt: nextFireTime(parsed.cron),
      },
      this.limits.perGuild,
    );
    if ('refused' in created) return { ok: false, error: `This server has ${this.limits.perGuild} schedules already, the most it may have (SCHEDULES_PER_GUILD = ${this.limits.perGuild}): remove one first.` };
    this.deps.changed();
    this.deps.logger.info({ scheduleId: created.id, guildId: created.guildId, channelId: created.channelId }, 'schedule created');
    return { ok: true, text: confirmation('Created', created, parsed.cron, new Date()), schedule: created };
  }

  async edit(where: ChannelRef, actingFor: readonly string[], scheduleId: number, changes: Partial<ScheduleRequest>): Promise<ScheduleAnswer> {
    const found = await this.find(where, actingFor, scheduleId);
    if (!found.ok) return found;
    const schedule = found.schedule!;
    const refused = (changes.task === undefined ? null : refuseTask(changes.task)) ?? this.refuseHelper(changes.helper);
    if (refused) return { ok: false, error: refused };
    const timezone = changes.timezone ?? schedule.timezone;
    const parsed = this.parse(changes.cron ?? schedule.cron, timezone);
    if (!parsed.ok) return parsed;
    const update: ScheduleChanges = { cron: parsed.cron.cron, timezone, nextFireAt: nextFireTime(parsed.cron) };
    if (changes.task !== undefined) update.task = changes.task.trim();
    if (changes.helper !== undefined) update.helper = changes.helper;
    if (changes.notify !== undefined) update.notify = changes.notify;
    if (changes.mentionRoleId !== undefined) update.mentionRoleId = changes.mentionRoleId;
    const edited = await this.deps.store.update(where.guildId!, scheduleId, update);
    if (!edited) return notFound(scheduleId);
    this.deps.changed();
    return { ok: true, text: confirmation('Changed', edited, parsed.cron, new Date()), schedule: edited };
  }

  async act(where: ChannelRef, actingFor: readonly string[], scheduleId: number, action: ScheduleAction): Promise<ScheduleAnswer> {
    const found = await this.find(where, actingFor, scheduleId);
    if (!found.ok) return found;
    const schedule = found.schedule!;
    const guildId = where.guildId!;
    const title = scheduleTitle(schedule, this.cronOf(schedule));
    if (action === 'remove') {
      await this.deps.store.remove(guildId, scheduleId);
      return { ok: true, text: `Removed schedule ${title}. Its history is gone with it.` };
    }
    if (action === 'pause') {
      if (schedule.pausedReason) return { ok: true, text: `Schedule ${title} is paused already (${schedule.pausedReason}).` };
      await this.deps.store.pause({ scheduleId }, `paused by <@${actingFor[0]}>`);
      return { ok: true, text: `Paused schedule ${title}. \`/schedule resume schedule:${scheduleId}\` starts it again.` };
    }
    if (action === 'resume') {
      const cron = this.cronOf(schedule);
      // From now on: fire times that passed while it was paused are not caught up.
      const resumed = await this.deps.store.resume(guildId, scheduleId, cron ? nextFireTime(cron) : null);
      this.deps.changed();
      return { ok: true, text: `Resumed schedule ${title}${resumed?.nextFireAt ? `: next fire time ${discordTime(resumed.nextFireAt)}` : ''}.` };
    }
    const at = new Date();
    if (await this.deps.store.fireNow(this.owner, schedule, at, firingMessage(schedule, at, false, at))) this.deps.queued();
    return { ok: true, text: `Running schedule ${title} now; its next fire time stays as it was.` };
  }

  async list(where: ChannelRef, all: boolean): Promise<string> {
    if (!where.guildId) return 'Schedules live in server channels; direct messages have none.';
    const schedules = await this.deps.store.list(where.guildId, all ? null : where.channelId);
    if (schedules.length === 0) return all ? 'This server has no schedules yet. Add one with `/schedule add`.' : 'This channel has no schedules yet. Add one with `/schedule add`.';
    const lines = schedules.map((schedule) => listLine(schedule, this.cronOf(schedule), all));
    return `${all ? 'Schedules of this server' : 'Schedules of this channel'} (${schedules.length}/${this.limits.perGuild} in the server):\n${lines.join('\n')}`;
  }

  async setGuildTimezone(where: ChannelRef, userId: string, timezone: string): Promise<ScheduleAnswer> {
    if (!where.guildId) return { ok: false, error: 'Time zones are set per server; direct messages have none.' };
    if (!(await this.deps.gateway.memberHasPermission(where, userId, 'ManageGuild'))) return { ok: false, error: 'Setting the server\'s time zone needs the Manage Server permission.' };
    if (!isTimeZone(timezone)) return { ok: false, error: `${unknownTimeZoneMessage(timezone)}.` };
    await this.deps.store.setGuildTimezone(where.guildId, timezone);
    return { ok: true, text: `Schedules created without a time zone now use ${timezone}. Existing schedules keep theirs.` };
  }

  async suggest(where: ChannelRef, query: string): Promise<Array<{ name: string; value: number }>> {
    if (!where.guildId) return [];
    const needle = query.trim().toLowerCase().replace(/^#/, '');
    const schedules = await this.deps.store.list(where.guildId, null);
    return schedules
      .map((schedule) => ({ schedule, name: `${scheduleTitle(schedule, this.cronOf(schedule))} — ${schedule.task}`.slice(0, 100) }))
      .filter(({ schedule, name }) => needle === '' || String(schedule.id) === needle || name.toLowerCase().includes(needle))
      .sort((a, b) => Number(b.schedule.channelId === where.channelId) - Number(a.schedule.channelId === where.channelId))
      .slice(0, 25)
      .map(({ schedule, name }) => ({ name, value: schedule.id }));
  }

  private async find(where: ChannelRef, actingFor: readonly string[], scheduleId: number): Promise<ScheduleAnswer> {
    const refused = await this.refuseChange(where, actingFor);
    if (refused) return { ok: false, error: refused };
    const schedule = await this.deps.store.get(where.guildId!, scheduleId);
    if (!schedule) return notFound(scheduleId);
    // A schedule of another channel: the permission counts in that channel, not only in this one.
    if (schedule.channelId !== where.channelId) {
      const elsewhere = await this.refuseChange({ guildId: where.guildId, channelId: schedule.channelId }, actingFor, `in <#${schedule.channelId}>, the schedule's channel`);
      if (elsewhere) return { ok: false, error: elsewhere };
    }
    return { ok: true, text: '', schedule };
  }

  private async refuseChange(where: ChannelRef, actingFor: readonly string[], channel = 'in this channel'): Promise<string | null> {
    if (!where.guildId) return 'Schedules live in server channels; direct messages cannot have them.';
    if (actingFor.length === 0) return 'Nobody to act for: a schedule is created by a person.';
    for (const userId of actingFor) {
      if (!(await this.deps.gateway.memberHasPermission(where, userId, CHANGE_PERMISSION))) {
        return `Changing schedules needs the Manage Channels permission ${channel}, and <@${userId}> does not have it.`;
      }
    }
    return null;
  }

  /** null (on edit): no helper any more, the channel's agent does the task itself. */
  private refuseHelper(helper: string | null | undefined): string | null {
    if (helper === undefined || helper === null) return null;
    const names = this.deps.helperNames();
    return names.includes(helper) ? null : `There is no helper called "${helper}": choose one of ${names.join(', ')}.`;
  }

  private parse(cron: string, timezone: string): { ok: true; cron: CronSchedule } | { ok: false; error: string } {
    if (!isTimeZone(timezone)) return { ok: false, error: `${unknownTimeZoneMessage(timezone)}.` };
    const parsed = parseSchedule(cron, timezone, { minIntervalSeconds: this.limits.minIntervalSeconds, now: new Date() });
    return parsed.ok ? { ok: true, cron: parsed.schedule } : { ok: false, error: `${parsed.error}.` };
  }

  /** A stored schedule's fire times (validated when it was saved). */
  private cronOf(schedule: Schedule): CronSchedule | null {
    const parsed = parseSchedule(schedule.cron, schedule.timezone);
    return parsed.ok ? parsed.schedule : null;
  }
}

/** The first fire time from now (null: the pattern has none left). */
function nextFireTime(cron: CronSchedule): Date | null {
  return cron.nextRuns(new Date(), 1)[0] ?? null;
}

function refuseTask(task: string): string | null {
  if (isVisiblyEmpty(task)) return 'The task is empty: say what the agent should do each time.';
  if (task.length > SCHEDULE_TASK_MAX_CHARACTERS) return `The task is ${task.length} characters long; the most is ${SCHEDULE_TASK_MAX_CHARACTERS}.`;
  return null;
}

function notFound(scheduleId: number): ScheduleAnswer {
  return { ok: false, error: `This server has no schedule #${scheduleId}. \`/schedule list all:true\` shows its schedules.` };
}
