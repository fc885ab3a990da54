import { z } from 'zod';
import { SCHEDULE_TASK_MAX_CHARACTERS } from '../schedules.js';
import { BUILTIN_HELPERS } from '../tree/builtinHelpers.js';
import { type ToolContext, defineTool } from './tool.js';

export const SCHEDULE_TASK_TOOL = 'schedule_task';
export const LIST_SCHEDULES_TOOL = 'list_schedules';
export const CANCEL_SCHEDULE_TOOL = 'cancel_schedule';

/**
 * The people a schedule change acts for, its creator first: the newest asker, then everyone
 * else the turn answers (each must hold the permission, as with `/schedule`).
 */
function actingFor({ requestedBy, actsFor }: ToolContext): string[] {
  return [...new Set([requestedBy, ...actsFor].filter((id): id is string => id !== null))];
}

/** Creates a recurring task in this channel for the person asking, as `/schedule add` would. */
export const scheduleTaskTool = defineTool({
  name: SCHEDULE_TASK_TOOL,
  description:
    'Create a recurring task in this channel when someone asks for one ("every Monday at 9, …"). Needs the asking person to hold Manage Channels. ' +
    'cron: 5 fields (minute hour day-of-month month weekday) or 6 (seconds first), e.g. "0 9 * * 1" for Mondays at 09:00. ' +
    'timezone: an IANA name such as Europe/Istanbul if the person gave one (default: the server\'s). ' +
    'Confirm exactly what the result says was created: the words, the zone and the next fire time.',
  parameters: z.object({
    cron: z.string().min(1).max(100),
    task: z.string().min(1).max(SCHEDULE_TASK_MAX_CHARACTERS).describe('What to do at each firing, self-contained: it is read later, on its own.'),
    timezone: z.string().max(64).optional(),
    helper: z.enum(BUILTIN_HELPERS.map((helper) => helper.name) as [string, ...string[]]).optional().describe('Hand each firing to this helper, in a thread of its own.'),
    notify: z.boolean().optional().describe('Only if the person asked for notifications: posts are silent otherwise.'),
    mention_role: z
      .string()
      .regex(/^(<@&)?\d{17,20}>?$/, 'a role mention such as <@&123456789012345678>')
      .optional()
      .describe('A role the person asked to be pinged at each firing, as they wrote it (<@&id>).'),
  }),
  async execute({ cron, task, timezone, helper, notify, mention_role }, context) {
    const { agent, schedules, interrupted } = context;
    const where = { guildId: agent.guildId, channelId: agent.channelId, agentId: agent.id };
    if (interrupted) {
      // The same call, run again after its process died: the schedule it created then is its result.
      const listed = await schedules.list(where, false);
      if (listed.includes(task.slice(0, 120))) return `Already created before an interruption; this channel's schedules:\n${listed}`;
    }
    const mentionRoleId = mention_role?.replace(/\D/g, '');
    const answer = await schedules.create(where, actingFor(context), { cron, task, timezone, helper, notify, mentionRoleId });
    return answer.ok ? answer.text : `Not created: ${answer.error}`;
  },
});

export const listSchedulesTool = defineTool({
  name: LIST_SCHEDULES_TOOL,
  description: "List this channel's schedules (all: the whole server's): id, words, zone, next and last run.",
  parameters: z.object({ all: z.boolean().optional() }),
  async execute({ all }, { agent, schedules }) {
    return schedules.list(agent, all === true);
  },
});

/** Removes a schedule ("stop the Monday reminder"), with the same permission as `/schedule remove`. */
export const cancelScheduleTool = defineTool({
  name: CANCEL_SCHEDULE_TOOL,
  description: 'Remove a schedule of this server by its id (find it with list_schedules first). Needs the asking person to hold Manage Channels.',
  parameters: z.object({ id: z.number().int().positive() }),
  async execute({ id }, context) {
    const answer = await context.schedules.act(context.agent, actingFor(context), id, 'remove');
    return answer.ok ? answer.text : `Not removed: ${answer.error}`;
  },
});
