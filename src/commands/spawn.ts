import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { userError } from '../agents/errors.js';
import { truncate } from '../agents/promptMessages.js';
import { type StartedHelper, TASK_MAX_CHARACTERS } from '../agents/tree/treeService.js';
import { ephemeral, placeOf } from './place.js';
import type { SlashCommand } from './types.js';

/** Discord shows at most 25 autocomplete choices, each named in at most 100 characters. */
const CHOICES_MAX = 25;
const CHOICE_NAME_MAX = 100;

function startedText(helper: StartedHelper): string {
  if (helper.failure !== null) return `Started **${helper.name}**, but it ended at once: ${helper.failure}`;
  const thread = helper.threadId ? `<#${helper.threadId}>` : 'its thread is opening…';
  return `Started **${helper.name}** — ${thread}. Its result will be posted here when it is done.`;
}

/** `/spawn`: a person starts a helper on a task, working in its own thread under this channel. */
export const spawnCommand: SlashCommand = {
  data: {
    name: 'spawn',
    description: 'Start a helper agent on a task, in its own thread',
    options: [
      { type: ApplicationCommandOptionType.String, name: 'task', description: 'What the helper should do', required: true, max_length: TASK_MAX_CHARACTERS },
      { type: ApplicationCommandOptionType.String, name: 'helper', description: 'Which kind of helper (default: the general one)', autocomplete: true, max_length: 100 },
      { type: ApplicationCommandOptionType.String, name: 'model', description: 'Model name, e.g. gpt-4o-mini (needs Manage Channels)', max_length: 100 },
    ],
  },
  async execute(interaction, { channelAgents, helpers }) {
    if (!interaction.inGuild()) throw userError('helpers_in_dm', 'Helpers work in threads, and DMs have none: use /spawn in a server channel.');
    const model = interaction.options.getString('model') ?? undefined;
    if (model !== undefined && !interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels)) {
      throw userError('missing_permission', 'Choosing the model needs the **Manage Channels** permission in this channel (models differ in cost): leave `model` out to use the default.');
    }
    // Spawning waits up to about two seconds for the thread: acknowledge first (3-second window).
    await interaction.deferReply(ephemeral);
    const place = placeOf(interaction);
    if (await channelAgents.helperOfChannel(place)) {
      throw userError('helper_thread', 'This is a helper\'s thread, and helpers cannot be started from it: use /spawn in the channel instead.');
    }
    const report = await helpers.spawn(
      await channelAgents.agentFor(place),
      [{ task: interaction.options.getString('task', true), helper: interaction.options.getString('helper') ?? undefined }],
      { origin: 'command', lease: null, actsFor: interaction.user.id, model },
    );
    const content = report.ok ? report.started.map(startedText).join('\n') : `Not started: ${report.reason}.`;
    await interaction.editReply({ content, allowedMentions: { parse: [] } });
  },
  async autocomplete(interaction, { helpers }) {
    const typed = String(interaction.options.getFocused()).toLowerCase();
    const choices = helpers
      .helpers()
      .filter((helper) => `${helper.name} ${helper.description}`.toLowerCase().includes(typed))
      .slice(0, CHOICES_MAX)
      .map((helper) => ({ name: truncate(`${helper.name} — ${helper.description}`, CHOICE_NAME_MAX), value: helper.name }));
    await interaction.respond(choices);
  },
};
