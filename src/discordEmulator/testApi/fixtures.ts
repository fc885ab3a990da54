import { ChannelType, GatewayDispatchEvents, OverwriteType, type APIChannel, type APIOverwrite, type APIThreadChannel } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { createGuildChannel } from '../domain/channels.js';
import { addMember, createGuild, createRole } from '../domain/guilds.js';
import { startThread, startThreadFromMessage, updateThread } from '../domain/threads.js';
import { DEFAULT_BOT_PERMISSIONS, toPermissionBits } from '../permissions.js';
import { renderChannel, renderGuildChannelPayload, renderThread } from '../render/channels.js';

/** A permission overwrite in test-friendly form: flags as bigint(s), e.g. `PermissionFlagsBits.SendMessages`. */
export interface PermissionOverwriteSpec {
  /** Role id (the guild id for @everyone) or user id. */
  id: string;
  type: 'role' | 'member';
  allow?: bigint | readonly bigint[];
  deny?: bigint | readonly bigint[];
}

/** Options of {@link createGuildFixture}. */
export interface GuildSpec {
  name: string;
  ownerId: string;
  /** Add the bot (with its managed role) so it receives GUILD_CREATE. Default true. */
  withBot?: boolean;
  /** Permissions of @everyone (default: read, talk, react, threads, commands). */
  everyonePermissions?: bigint | readonly bigint[];
}

/** What {@link createGuildFixture} made. */
export interface GuildFixture {
  id: string;
  name: string;
  everyoneRoleId: string;
  /** The bot's managed role, when the bot was added. */
  botRoleId: string | null;
}

/** Options of {@link createChannelFixture}. */
export interface ChannelSpec {
  guildId: string;
  name: string;
  type?: ChannelType.GuildText | ChannelType.GuildAnnouncement | ChannelType.GuildCategory | ChannelType.GuildVoice;
  topic?: string;
  parentId?: string;
  permissionOverwrites?: PermissionOverwriteSpec[];
}

/** Converts test-friendly overwrites to Discord's shape. */
export function toOverwrites(specs: readonly PermissionOverwriteSpec[]): APIOverwrite[] {
  return specs.map((spec) => ({
    id: spec.id,
    type: spec.type === 'role' ? OverwriteType.Role : OverwriteType.Member,
    allow: toPermissionBits(spec.allow ?? 0n).toString(),
    deny: toPermissionBits(spec.deny ?? 0n).toString(),
  }));
}

/** Creates a guild, by default with the bot in it (its role granting what bots are usually invited with). */
export function createGuildFixture(context: EmulatorContext, spec: GuildSpec): GuildFixture {
  const everyonePermissions = spec.everyonePermissions === undefined ? undefined : toPermissionBits(spec.everyonePermissions);
  const guild = createGuild(context, { name: spec.name, ownerId: spec.ownerId, everyonePermissions });
  let botRoleId: string | null = null;
  if (spec.withBot !== false) {
    const role = createRole(context, { guildId: guild.id, name: context.state.application.name, permissions: DEFAULT_BOT_PERMISSIONS, managed: true });
    botRoleId = role.id;
    addMember(context, { guildId: guild.id, userId: context.state.botId, roleIds: [role.id] });
  }
  return { id: guild.id, name: guild.name, everyoneRoleId: guild.id, botRoleId };
}

/** Creates a channel (CHANNEL_CREATE when the bot is in the guild). */
export function createChannelFixture(context: EmulatorContext, spec: ChannelSpec): APIChannel {
  const channel = createGuildChannel(context, {
    guildId: spec.guildId,
    name: spec.name,
    type: spec.type,
    topic: spec.topic,
    parentId: spec.parentId,
    permissionOverwrites: toOverwrites(spec.permissionOverwrites ?? []),
  });
  return renderChannel(context.state, channel);
}

/** Replaces a channel's overwrites (CHANNEL_UPDATE), e.g. to deny the bot Send Messages. */
export function setChannelPermissions(context: EmulatorContext, channelId: string, overwrites: readonly PermissionOverwriteSpec[]): APIChannel {
  const channel = context.state.requireChannel(channelId);
  channel.permissionOverwrites = toOverwrites(overwrites);
  const rendered = renderGuildChannelPayload(context.state, channel);
  if (channel.guildId) context.gateway.dispatch({ t: GatewayDispatchEvents.ChannelUpdate, d: rendered }, channel.guildId);
  context.events.record({ type: 'channelUpdated', channel: rendered });
  return rendered;
}

/** A thread a simulated user starts: from `messageId`, or standalone (public unless `type` says private). */
export interface UserThreadSpec {
  channelId: string;
  userId: string;
  name: string;
  messageId?: string;
  type?: ChannelType.PublicThread | ChannelType.PrivateThread;
}

/** A user starts a thread, from a message or standalone. */
export function userCreatesThread(context: EmulatorContext, spec: UserThreadSpec): APIThreadChannel {
  const options = { name: spec.name, creatorId: spec.userId };
  const thread = spec.messageId
    ? startThreadFromMessage(context, spec.channelId, spec.messageId, options)
    : startThread(context, spec.channelId, { ...options, type: spec.type ?? ChannelType.PublicThread });
  return renderThread(context.state, thread);
}

/** Archives or un-archives a thread as `actorId` (default: the guild owner). */
export function setThreadArchived(context: EmulatorContext, threadId: string, archived: boolean, actorId?: string): APIThreadChannel {
  const thread = context.state.requireChannel(threadId);
  const owner = thread.guildId ? context.state.requireGuild(thread.guildId).ownerId : context.state.botId;
  return updateThread(context, thread, { archived }, actorId ?? owner);
}
