import type { TokenUsage } from '../agents/types.js';
import { ephemeral, placeOf } from './place.js';
import type { SlashCommand } from './types.js';

const format = (usage: TokenUsage) =>
  `${usage.promptTokens.toLocaleString('en-US')} in · ${usage.completionTokens.toLocaleString('en-US')} out`;

/** The server's use today against GUILD_DAILY_TOKENS, and when the day resets. */
function capLine(today: TokenUsage, cap: number): string {
  const used = today.promptTokens + today.completionTokens;
  const now = new Date();
  const resetsAt = Math.floor(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) / 1000);
  const share = Math.min(100, Math.round((used / cap) * 100));
  return `Daily cap — ${used.toLocaleString('en-US')} of ${cap.toLocaleString('en-US')} tokens used today (${share} %), resets <t:${resetsAt}:R>`;
}

/** `/usage`: tokens spent in this channel and this guild (or your DMs), today (UTC) and in total. */
export const usageCommand: SlashCommand = {
  data: { name: 'usage', description: 'Tokens used by the agents here, today (UTC) and in total' },
  async execute(interaction, { channelAgents }) {
    await interaction.deferReply(ephemeral);
    const { channel, channelName, scope, scopeName, dailyCap } = await channelAgents.usage(placeOf(interaction));
    await interaction.editReply({
      content: [
        '**Token usage** (today is the UTC day)',
        `This ${channelName} — today: ${format(channel.today)} · total: ${format(channel.total)}`,
        `${scopeName === 'guild' ? 'This server' : 'Your DMs'} — today: ${format(scope.today)} · total: ${format(scope.total)}`,
        ...(dailyCap === null ? [] : [capLine(scope.today, dailyCap)]),
      ].join('\n'),
      allowedMentions: { parse: [] },
    });
  },
};
