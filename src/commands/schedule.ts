import {
  type APIApplicationCommandBasicOption,
  ApplicationCommandOptionType,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { CommandPlace } from '../agents/channelAgents.js';
import { userError } from '../agents/errors.js';
import { truncate } from '../agents/promptMessages.js';
import { SCHEDULE_TASK_MAX_CHARACTERS, type ScheduleAction, type ScheduleAnswer, type ScheduleRequest } from '../agents/schedules.js';
import { suggestTimeZones } from '../scheduler/timeZones.js';
import { refuseInHelperThread } from './helperThread.js';
import { ephemeral, placeOf } from './place.js';
import type { CommandServices, SlashCommand } from './types.js';

/** Discord shows at most 25 autocomplete choices, each named in at most 100 characters. */
const CHOICES_MAX = 25;
const CHOICE_NAME_MAX = 100;
/** A Discord message holds at most 2,000 characters. */
export const MESSAGE_MAX = 2000;
/** The `helper` value meaning "no helper": the channel's agent does the task itself. */
const NO_HELPER = 'none';
const CRON_MAX = 120;
const ZONE_MAX = 64;

const cronOption = (required: boolean): APIApplicationCommandBasicOption => ({
  type: ApplicationCommandOptionType.String,
  name: 'cron',
  description: 'minute hour day month weekday (a sixth field in front: seconds), e.g. 0 9 * * 1-5',
  required,
  max_length: CRON_MAX,
});
const taskOption = (required: boolean): APIApplicationCommandBasicOption => ({
  type: ApplicationCommandOptionType.String,
  name: 'task',
  description: 'What the agent does at each fire time',
  required,
  max_length: SCHEDULE_TASK_MAX_CHARACTERS,
});
const changeOptions = (editing: boolean): APIApplicationCommandBasicOption[] => [
  {
    type: ApplicationCommandOptionType.String,
    name: 'timezone',
    description: editing ? 'IANA zone, e.g. Europe/Istanbul' : 'IANA zone, e.g. Europe/Istanbul (default: the server\'s, else UTC)',
    autocomplete: true,
    max_length: ZONE_MAX,
  },
  {
    type: ApplicationCommandOptionType.String,
    name: 'helper',
    description: editing ? 'Hand each firing to this helper, in a thread (none: the agent itself)' : 'Hand each firing to this helper, in a thread of its own',
    autocomplete: true,
    max_length: 100,
  },
  { type: ApplicationCommandOptionType.Boolean, name: 'notify', description: 'Posts notify people (default: silent)' },
  { type: ApplicationCommandOptionType.Role, name: 'mention', description: 'A role pinged above each post (implies notify)' },
];
const scheduleOption: APIApplicationCommandBasicOption = {
  type: ApplicationCommandOptionType.Integer,
  name: 'schedule',
  description: 'Which schedule (type part of its task or words)',
  required: true,
  autocomplete: true,
  min_value: 1,
};
const ACTIONS: Record<ScheduleAction, string> = {
  remove: 'Delete a schedule and its history (needs Manage Channels)',
  pause: 'Stop a schedule firing until it is resumed (needs Manage Channels)',
  resume: 'Start a paused schedule again, from its next fire time (needs Manage Channels)',
  'run-now': 'Fire a schedule once now; its next fire time stays (needs Manage Channels)',
};
/** Which successful answers the channel sees: changes to what it will get. Reads and errors stay with the asker. */
const PUBLIC_ON_SUCCESS = new Set(['add', 'edit', 'remove', 'pause', 'resume']);

/**
 * Cuts a message to Discord's 2,000 characters by shortening its longest line (a confirmation's
 * task), so the words, the zone and the fire times stay whole.
 */
export function fitMessage(text: string, max = MESSAGE_MAX): string {
  if (text.length <= max) return text;
  const lines = text.split('\n');
  let longest = 0;
  lines.forEach((line, index) => {
    if (line.length > lines[longest]!.length) longest = index;
  });
  const keep = lines[longest]!.length - (text.length - max);
  if (keep >= 20) {
    lines[longest] = truncate(lines[longest]!, keep);
    return lines.join('\n');
  }
  return truncate(text, max);
}

/**
 * Cuts `/schedule list` to one message: whole schedules (a line starting `**#` and the lines under
 * it) while they fit, then a line saying how many are left out and how to reach them.
 */
export function fitList(text: string, max = MESSAGE_MAX): string {
  if (text.length <= max) return text;
  const [header = '', ...lines] = text.split('\n');
  const entries: string[] = [];
  for (const line of lines) {
    if (line.startsWith('**#') || entries.length === 0) entries.push(line);
    else entries[entries.length - 1] += `\n${line}`;
  }
  const footer = (left: number) =>
    `…and ${left} more not shown (a message holds ${MESSAGE_MAX.toLocaleString('en-US')} characters): \`/schedule list\` in their channel shows them, and the \`schedule\` option of \`/schedule edit\` finds any by its task.`;
  let shown = header;
  let count = 0;
  for (const entry of entries) {
    const next = `${shown}\n${entry}`;
    if (next.length + 1 + footer(entries.length - count - 1).length > max) break;
    shown = next;
    count += 1;
  }
  return fitMessage(`${shown}\n${footer(entries.length - count)}`, max);
}

/** The options of `add` and `edit` as a request, checked first where the command alone can tell. */
function requestOf(interaction: ChatInputCommandInteraction, editing: boolean): Partial<ScheduleRequest> {
  const { options } = interaction;
  const request: Partial<ScheduleRequest> = {};
  const cron = options.getString('cron');
  if (cron !== null) {
    if (cron.trim() === '') throw userError('schedule_cron', 'The cron expression is empty: give five fields (minute hour day month weekday), e.g. `0 9 * * 1-5` for 09:00 on weekdays.');
    request.cron = cron;
  }
  const task = options.getString('task');
  if (task !== null) request.task = task;
  const timezone = options.getString('timezone');
  if (timezone !== null) request.timezone = timezone.trim();
  const helper = options.getString('helper');
  if (helper !== null) {
    const name = helper.trim();
    if (name === NO_HELPER || name === '') {
      if (editing) request.helper = null;
    } else {
      request.helper = name;
    }
  }
  const notify = options.getBoolean('notify');
  const role = options.getRole('mention');
  if (role) {
    if (role.id === interaction.guildId) throw userError('schedule_mention', 'A schedule cannot mention @everyone: pick a role, or leave `mention` out.');
    if (notify === false) throw userError('schedule_mention', 'A mention always notifies: leave out `notify:false`, or the mention.');
    request.mentionRoleId = role.id;
    request.notify = true;
  } else if (notify !== null) {
    request.notify = notify;
    // Silent again: the role pinged above each post goes too.
    if (editing && !notify) request.mentionRoleId = null;
  }
  return request;
}

/** Runs one subcommand against the schedule service. */
async function answerOf(interaction: ChatInputCommandInteraction, services: CommandServices, subcommand: string, place: CommandPlace): Promise<ScheduleAnswer> {
  const { schedules, channelAgents } = services;
  const actingFor = [interaction.user.id];
  switch (subcommand) {
    case 'add': {
      const request = requestOf(interaction, false);
      const agent = await channelAgents.agentFor(place);
      return schedules.create({ ...place, agentId: agent.id }, actingFor, request as ScheduleRequest);
    }
    case 'edit': {
      const changes = requestOf(interaction, true);
      if (Object.keys(changes).length === 0) {
        throw userError('schedule_unchanged', 'Nothing to change: give at least one of `cron`, `task`, `timezone`, `helper`, `notify` or `mention`.');
      }
      return schedules.edit(place, actingFor, interaction.options.getInteger('schedule', true), changes);
    }
    case 'list':
      return { ok: true, text: fitList(await schedules.list(place, interaction.options.getBoolean('all') ?? false)) };
    case 'timezone':
      return schedules.setGuildTimezone(place, interaction.user.id, interaction.options.getString('zone', true).trim());
    case 'remove':
    case 'pause':
    case 'resume':
    case 'run-now':
      return schedules.act(place, actingFor, interaction.options.getInteger('schedule', true), subcommand);
    default:
      throw new Error(`unknown subcommand /schedule ${subcommand}`);
  }
}

/** Zone names for autocomplete, each with its offset and time now, so people recognise theirs. */
function zoneChoices(typed: string, now: Date): Array<{ name: string; value: string }> {
  const zones = typed.trim() === '' ? ['UTC', ...suggestTimeZones('', CHOICES_MAX - 1).filter((zone) => zone !== 'UTC')] : suggestTimeZones(typed, CHOICES_MAX);
  return zones.map((zone) => {
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'shortOffset' }).format(now);
    return { name: truncate(`${zone} — now ${local}`, CHOICE_NAME_MAX), value: zone };
  });
}

function helperChoices(typed: string, editing: boolean, services: CommandServices): Array<{ name: string; value: string }> {
  const needle = typed.trim().toLowerCase();
  const all = [
    ...(editing ? [{ name: NO_HELPER, description: 'no helper: the channel\'s agent does the task itself' }] : []),
    ...services.helpers.helpers().map((helper) => ({ name: helper.name, description: helper.description })),
  ];
  return all
    .filter((helper) => `${helper.name} ${helper.description}`.toLowerCase().includes(needle))
    .slice(0, CHOICES_MAX)
    .map((helper) => ({ name: truncate(`${helper.name} — ${helper.description}`, CHOICE_NAME_MAX), value: helper.name }));
}

async function autocomplete(interaction: AutocompleteInteraction, services: CommandServices): Promise<void> {
  if (!interaction.inGuild()) {
    await interaction.respond([]);
    return;
  }
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value);
  if (focused.name === 'timezone' || focused.name === 'zone') {
    await interaction.respond(zoneChoices(typed, new Date()));
  } else if (focused.name === 'helper') {
    await interaction.respond(helperChoices(typed, interaction.options.getSubcommand(false) === 'edit', services));
  } else if (focused.name === 'schedule') {
    // Words, not ids: "#12 · At 09:00, Monday through Friday (Europe/Istanbul) — Post the digest".
    await interaction.respond(await services.schedules.suggest(placeOf(interaction), typed));
  } else {
    await interaction.respond([]);
  }
}

/**
 * `/schedule add|list|edit|remove|pause|resume|run-now|timezone`: recurring tasks of this
 * channel's agent. The schedule service validates and checks permissions (Manage Channels for
 * changes, Manage Server for the zone; listing is open, so no `default_member_permissions`).
 * Changes are announced in the channel; lists, run-now, the zone and every refusal are ephemeral.
 */
export const scheduleCommand: SlashCommand = {
  data: {
    name: 'schedule',
    description: 'Recurring tasks for this channel\'s agent (cron and time zone)',
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'add',
        description: 'Add a recurring task (needs Manage Channels)',
        options: [cronOption(true), taskOption(true), ...changeOptions(false)],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'list',
        description: 'This channel\'s schedules: words, zone, next and last run',
        options: [{ type: ApplicationCommandOptionType.Boolean, name: 'all', description: 'The whole server\'s schedules' }],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'edit',
        description: 'Change a schedule in place: same id, history kept (needs Manage Channels)',
        options: [scheduleOption, cronOption(false), taskOption(false), ...changeOptions(true)],
      },
      ...(Object.entries(ACTIONS) as Array<[ScheduleAction, string]>).map(([name, description]) => ({
        type: ApplicationCommandOptionType.Subcommand as const,
        name,
        description,
        options: [scheduleOption],
      })),
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'timezone',
        description: 'The server\'s default zone for new schedules (needs Manage Server)',
        options: [
          { type: ApplicationCommandOptionType.String, name: 'zone', description: 'IANA zone, e.g. Europe/Istanbul', required: true, autocomplete: true, max_length: ZONE_MAX },
        ],
      },
    ],
  },
  async execute(interaction, services) {
    if (!interaction.inGuild()) throw userError('schedules_in_dm', 'Schedules live in server channels; direct messages cannot have them. Use /schedule in a channel of your server.');
    await refuseInHelperThread(interaction, services.channelAgents);
    const subcommand = interaction.options.getSubcommand(true);
    // The service reads the database and the member's permissions: acknowledge first (3-second window).
    await interaction.deferReply(ephemeral);
    const answer = await answerOf(interaction, services, subcommand, placeOf(interaction));
    // The router shows it to the asker only, in place of the "thinking" reply.
    if (!answer.ok) throw userError('schedule_refused', fitMessage(answer.error));
    const content = fitMessage(answer.text);
    if (PUBLIC_ON_SUCCESS.has(subcommand)) {
      // The deferral was ephemeral (a refusal stays private): the channel sees the change as a new reply.
      await interaction.deleteReply();
      await interaction.followUp({ content, allowedMentions: { parse: [] } });
    } else {
      await interaction.editReply({ content, allowedMentions: { parse: [] } });
    }
  },
  autocomplete,
};
