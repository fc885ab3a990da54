import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { refuseInHelperThread } from './helperThread.js';
import { ephemeral, placeOf, requirePermission } from './place.js';
import type { SlashCommand } from './types.js';

/** `/reset`: a fresh conversation; old messages stay searchable unless wiped. */
export const resetCommand: SlashCommand = {
  data: {
    name: 'reset',
    description: 'Start a fresh conversation with this channel\'s agent',
    default_member_permissions: String(PermissionFlagsBits.ManageMessages),
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'facts',
        description: 'Keep or drop the facts the agent remembers (default: keep)',
        choices: [
          { name: 'keep', value: 'keep' },
          { name: 'drop', value: 'drop' },
        ],
      },
      {
        type: ApplicationCommandOptionType.Boolean,
        name: 'wipe',
        description: 'Delete the whole history and all facts for good (needs Manage Channels)',
      },
    ],
  },
  async execute(interaction, { channelAgents }) {
    await refuseInHelperThread(interaction, channelAgents);
    requirePermission(interaction, PermissionFlagsBits.ManageMessages, 'Manage Messages');
    const wipe = interaction.options.getBoolean('wipe') ?? false;
    if (wipe) requirePermission(interaction, PermissionFlagsBits.ManageChannels, 'Manage Channels');
    const dropFacts = interaction.options.getString('facts') === 'drop';
    await interaction.deferReply(ephemeral);
    await channelAgents.reset(placeOf(interaction), { dropFacts, wipe });
    const content = wipe
      ? 'Wiped: the history and facts of this channel are deleted. We start from nothing.'
      : `Fresh start. ${dropFacts ? 'Facts dropped.' : 'Facts kept.'} Earlier messages stay searchable by recall.`;
    await interaction.editReply({ content, allowedMentions: { parse: [] } });
  },
};
