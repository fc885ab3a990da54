import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import type { ReplyMode } from '../agents/types.js';
import { refuseInHelperThread } from './helperThread.js';
import { ephemeral, placeOf, requirePermission } from './place.js';
import type { SlashCommand } from './types.js';

const modeText: Record<ReplyMode, string> = {
  mention: 'I answer when I am mentioned or replied to.',
  all: 'I answer every message in this channel.',
  off: 'I stay silent here (slash commands still work).',
};

/** `/agent mode`: when the channel's agent answers. */
export const agentCommand: SlashCommand = {
  data: {
    name: 'agent',
    description: 'Configure this channel\'s agent',
    default_member_permissions: String(PermissionFlagsBits.ManageChannels),
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'mode',
        description: 'When the agent answers in this channel',
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: 'mode',
            description: 'mention: when mentioned or replied to · all: every message · off: never',
            required: true,
            choices: [
              { name: 'mention', value: 'mention' },
              { name: 'all', value: 'all' },
              { name: 'off', value: 'off' },
            ],
          },
        ],
      },
    ],
  },
  async execute(interaction, { channelAgents }) {
    await refuseInHelperThread(interaction, channelAgents);
    requirePermission(interaction, PermissionFlagsBits.ManageChannels, 'Manage Channels');
    const mode = interaction.options.getString('mode', true) as ReplyMode;
    if (!(mode in modeText)) throw new Error(`unknown mode ${mode}`);
    await interaction.deferReply(ephemeral);
    await channelAgents.setMode(placeOf(interaction), mode);
    await interaction.editReply({ content: `Mode set to **${mode}**: ${modeText[mode]}`, allowedMentions: { parse: [] } });
  },
};
