import type { TokenUsage } from '../agents/types.js';
import { ephemeral, placeOf } from './place.js';
import type { SlashCommand } from './types.js';

const format = (usage: TokenUsage) =>
  `${usage.promptTokens.toLocaleString('en-US')} in · ${usage.completionTokens.toLocaleString('en-US')} out`;

/** `/usage`: tokens spent in this channel and this guild (or your DMs), today (UTC) and in total. */
export const usageCommand: SlashCommand = {
  data: { name: 'usage', description: 'Tokens used by the agents here, today (UTC) and in total' },
  async execute(interaction, { channelAgents }) {
    await interaction.deferReply(ephemeral);
    const { channel, scope, scopeName } = await channelAgents.usage(placeOf(interaction));
    await interaction.editReply({
      content: [
        '**Token usage** (today is the UTC day)',
        `This channel — today: ${format(channel.today)} · total: ${format(channel.total)}`,
        `${scopeName === 'guild' ? 'This server' : 'Your DMs'} — today: ${format(scope.today)} · total: ${format(scope.total)}`,
      ].join('\n'),
      allowedMentions: { parse: [] },
    });
  },
};
