import type { ChatInputCommandInteraction } from 'discord.js';
import type { ChannelAgents } from '../agents/channelAgents.js';
import { userError } from '../agents/errors.js';
import { placeOf } from './place.js';

/** What a refused command is for, as the refusal says it (`change the channel's agent with /persona`). */
const PURPOSE: Readonly<Record<string, string>> = {
  schedule: 'schedules belong to the channel\'s agent: manage them with',
};
const DEFAULT_PURPOSE = 'change the channel\'s agent with';

/**
 * Refuses a command that configures a channel's agent when it is used in a helper's thread: the
 * thread's agent is the helper, and changing it (or creating a channel agent there) is not what
 * the person meant. `/schedule` is refused there too: a schedule is the channel agent's.
 * @throws AppError (user) saying whose thread this is and where to use the command instead.
 */
export async function refuseInHelperThread(interaction: ChatInputCommandInteraction, channelAgents: ChannelAgents): Promise<void> {
  const helper = await channelAgents.helperOfChannel(placeOf(interaction));
  if (!helper) return;
  const home = helper.homeChannelId ? ` from <#${helper.homeChannelId}>` : ' from its channel';
  const purpose = PURPOSE[interaction.commandName] ?? DEFAULT_PURPOSE;
  throw userError('helper_thread', `This thread belongs to the **${helper.persona.name}** helper: ${purpose} /${interaction.commandName}${home}, or /cancel the helper.`);
}
