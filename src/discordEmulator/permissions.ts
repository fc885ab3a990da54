import { OverwriteType, PermissionFlagsBits } from 'discord-api-types/v10';
import { DiscordErrors } from './errors.js';
import type { ChannelRecord, GuildRecord } from './records.js';
import type { EmulatorState } from './state.js';

/** Every permission bit Discord defines, OR-ed together (what an owner or administrator has). */
export const ALL_PERMISSIONS: bigint = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** What @everyone may do in a fresh guild: talk, read, react, use commands and threads. */
export const DEFAULT_EVERYONE_PERMISSIONS: bigint =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.CreatePrivateThreads |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.UseExternalEmojis |
  PermissionFlagsBits.ChangeNickname;

/** What the bot's managed role grants: what a chat bot with threads and webhooks is usually invited with. */
export const DEFAULT_BOT_PERMISSIONS: bigint =
  DEFAULT_EVERYONE_PERMISSIONS |
  PermissionFlagsBits.ManageMessages |
  PermissionFlagsBits.ManageThreads |
  PermissionFlagsBits.ManageWebhooks;

/** Combines permission flags given as a bigint, an array of bigints, or Discord's decimal string. */
export function toPermissionBits(permissions: bigint | readonly bigint[] | string): bigint {
  if (typeof permissions === 'string') return BigInt(permissions);
  if (typeof permissions === 'bigint') return permissions;
  return permissions.reduce((all, bit) => all | bit, 0n);
}

/** Guild-level permissions of a member: @everyone plus their roles; owners and administrators get all. */
export function guildPermissions(guild: GuildRecord, userId: string): bigint {
  if (guild.ownerId === userId) return ALL_PERMISSIONS;
  const member = guild.members.get(userId);
  if (!member) return 0n;
  let permissions = BigInt(guild.roles.get(guild.id)?.permissions ?? '0');
  for (const roleId of member.roleIds) {
    permissions |= BigInt(guild.roles.get(roleId)?.permissions ?? '0');
  }
  if ((permissions & PermissionFlagsBits.Administrator) !== 0n) return ALL_PERMISSIONS;
  return permissions;
}

/**
 * A member's permissions in a channel, applying overwrites in Discord's order: @everyone, then roles
 * (denies, then allows, combined), then the member. Threads use their parent's overwrites.
 * DMs grant the participants everything relevant.
 * @see https://discord.com/developers/docs/topics/permissions#permission-overwrites
 */
export function channelPermissions(state: EmulatorState, userId: string, channel: ChannelRecord): bigint {
  if (channel.guildId === null) return channel.recipientIds.includes(userId) ? DEFAULT_EVERYONE_PERMISSIONS : 0n;
  const guild = state.requireGuild(channel.guildId);
  const base = guildPermissions(guild, userId);
  if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;
  const source = channel.thread !== null && channel.parentId ? state.channels.get(channel.parentId) ?? channel : channel;
  const overwrites = source.permissionOverwrites;
  let permissions = base;
  const everyone = overwrites.find((overwrite) => overwrite.id === guild.id);
  if (everyone) permissions = (permissions & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  const member = guild.members.get(userId);
  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type === OverwriteType.Role && overwrite.id !== guild.id && member?.roleIds.includes(overwrite.id)) {
      roleAllow |= BigInt(overwrite.allow);
      roleDeny |= BigInt(overwrite.deny);
    }
  }
  permissions = (permissions & ~roleDeny) | roleAllow;
  const own = overwrites.find((overwrite) => overwrite.type === OverwriteType.Member && overwrite.id === userId);
  if (own) permissions = (permissions & ~BigInt(own.deny)) | BigInt(own.allow);
  // Without View Channel nothing else in the channel applies.
  if ((permissions & PermissionFlagsBits.ViewChannel) === 0n) return 0n;
  return permissions;
}

/** Whether `permissions` include every bit in `required`. */
export function hasPermissions(permissions: bigint, required: bigint): boolean {
  return (permissions & required) === required;
}

/**
 * Throws 50001 Missing Access when the user cannot see the channel and 50013 Missing Permissions
 * when they lack any bit of `required`.
 */
export function assertChannelPermissions(state: EmulatorState, userId: string, channel: ChannelRecord, required: bigint): void {
  const permissions = channelPermissions(state, userId, channel);
  if (!hasPermissions(permissions, PermissionFlagsBits.ViewChannel)) throw DiscordErrors.missingAccess();
  if (!hasPermissions(permissions, required)) throw DiscordErrors.missingPermissions();
}
