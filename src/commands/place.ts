import { type BaseInteraction, MessageFlags, type PermissionResolvable } from 'discord.js';
import type { CommandPlace } from '../agents/channelAgents.js';
import { userError } from '../agents/errors.js';

/** The channel (and parent, in a thread) an interaction came from. */
export function placeOf(interaction: BaseInteraction): CommandPlace {
  const channel = interaction.channel;
  if (!interaction.channelId) throw userError('no_channel', 'This only works in a channel, a thread or a DM.');
  return {
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    parentChannelId: channel?.isThread() ? channel.parentId : null,
    userId: interaction.user.id,
  };
}

/**
 * Refuses unless the member has the permission in this channel (Discord computes it with the
 * channel's overwrites). In DMs there is nobody else to protect.
 * @throws AppError (user) naming the missing permission.
 */
export function requirePermission(interaction: BaseInteraction, permission: PermissionResolvable, name: string): void {
  if (!interaction.inGuild()) return;
  if (!interaction.memberPermissions?.has(permission)) {
    throw userError('missing_permission', `You need the **${name}** permission in this channel to do that.`);
  }
}

/** Replies visible only to the invoking user. */
export const ephemeral = { flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;
