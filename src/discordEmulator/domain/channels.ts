import {
  ChannelType,
  GatewayDispatchEvents,
  PermissionFlagsBits,
  type APIChannel,
  type APIOverwrite,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DiscordErrors, invalidFormBody } from '../errors.js';
import { assertChannelPermissions } from '../permissions.js';
import type { ChannelRecord } from '../records.js';
import { renderChannel, renderGuildChannelPayload } from '../render/channels.js';
import { badLength } from './validation.js';

/** A guild channel to create (text by default). */
export interface GuildChannelSpec {
  guildId: string;
  name: string;
  type?: ChannelType.GuildText | ChannelType.GuildAnnouncement | ChannelType.GuildCategory | ChannelType.GuildVoice;
  topic?: string | null;
  parentId?: string | null;
  permissionOverwrites?: APIOverwrite[];
  nsfw?: boolean;
  rateLimitPerUser?: number;
}

/** Creates a guild channel and dispatches CHANNEL_CREATE. */
export function createGuildChannel(context: EmulatorContext, spec: GuildChannelSpec): ChannelRecord {
  const { state } = context;
  state.requireGuild(spec.guildId);
  if (spec.name.length < 1 || spec.name.length > 100) throw invalidFormBody([badLength(['name'], 1, 100)]);
  if (spec.parentId && state.channels.get(spec.parentId)?.type !== ChannelType.GuildCategory) throw DiscordErrors.unknownChannel();
  const channel: ChannelRecord = {
    id: state.ids.next(),
    type: spec.type ?? ChannelType.GuildText,
    guildId: spec.guildId,
    name: spec.name,
    topic: spec.topic ?? null,
    position: state.guildChannels(spec.guildId).length,
    parentId: spec.parentId ?? null,
    permissionOverwrites: spec.permissionOverwrites ?? [],
    nsfw: spec.nsfw ?? false,
    rateLimitPerUser: spec.rateLimitPerUser ?? 0,
    lastMessageId: null,
    ownerId: null,
    thread: null,
    recipientIds: [],
  };
  state.channels.set(channel.id, channel);
  const rendered = renderGuildChannelPayload(state, channel);
  if (state.botIsInGuild(spec.guildId)) context.gateway.dispatch({ t: GatewayDispatchEvents.ChannelCreate, d: rendered }, spec.guildId);
  context.events.record({ type: 'channelCreated', channel: rendered });
  return channel;
}

/** Deletes a channel (or thread) with its threads; CHANNEL_DELETE or THREAD_DELETE. */
export function deleteChannel(context: EmulatorContext, channelId: string): APIChannel {
  const { state } = context;
  const channel = state.requireChannel(channelId);
  for (const thread of state.threadsOf(channel.id)) deleteChannel(context, thread.id);
  const rendered = renderChannel(state, channel);
  state.channels.delete(channel.id);
  if (channel.thread && channel.guildId && channel.parentId) {
    context.gateway.dispatch({ t: GatewayDispatchEvents.ThreadDelete, d: { id: channel.id, guild_id: channel.guildId, parent_id: channel.parentId, type: channel.type as ChannelType.PublicThread } }, channel.guildId);
  } else if (channel.guildId) {
    context.gateway.dispatch({ t: GatewayDispatchEvents.ChannelDelete, d: renderGuildChannelPayload(state, channel) }, channel.guildId);
  }
  context.events.record({ type: 'channelDeleted', channel: rendered });
  return rendered;
}

/** PATCH of a guild channel by the bot: name, topic, nsfw, slowmode, overwrites (Manage Channels). */
export function updateGuildChannel(context: EmulatorContext, channel: ChannelRecord, patch: Record<string, unknown>, actorId: string): APIChannel {
  assertChannelPermissions(context.state, actorId, channel, PermissionFlagsBits.ManageChannels);
  if (typeof patch.name === 'string') {
    if (patch.name.length < 1 || patch.name.length > 100) throw invalidFormBody([badLength(['name'], 1, 100)]);
    channel.name = patch.name;
  }
  if (typeof patch.topic === 'string' || patch.topic === null) channel.topic = patch.topic;
  if (typeof patch.nsfw === 'boolean') channel.nsfw = patch.nsfw;
  if (typeof patch.rate_limit_per_user === 'number') channel.rateLimitPerUser = patch.rate_limit_per_user;
  if (Array.isArray(patch.permission_overwrites)) channel.permissionOverwrites = patch.permission_overwrites as APIOverwrite[];
  const rendered = renderGuildChannelPayload(context.state, channel);
  context.gateway.dispatch({ t: GatewayDispatchEvents.ChannelUpdate, d: rendered }, channel.guildId);
  context.events.record({ type: 'channelUpdated', channel: rendered });
  return rendered;
}

/** The DM channel between the bot and `userId`, created on first use (no CHANNEL_CREATE, as on Discord). */
export function openDirectMessage(context: EmulatorContext, userId: string): ChannelRecord {
  const { state } = context;
  state.requireUser(userId);
  const existing = state.findDirectMessageChannel(userId);
  if (existing) return existing;
  const channel: ChannelRecord = {
    id: state.ids.next(),
    type: ChannelType.DM,
    guildId: null,
    name: '',
    topic: null,
    position: 0,
    parentId: null,
    permissionOverwrites: [],
    nsfw: false,
    rateLimitPerUser: 0,
    lastMessageId: null,
    ownerId: null,
    thread: null,
    recipientIds: [state.botId, userId],
  };
  state.channels.set(channel.id, channel);
  context.events.record({ type: 'directMessageOpened', channelId: channel.id, userId });
  return channel;
}

/** Records a typing indicator and dispatches TYPING_START. */
export function recordTyping(context: EmulatorContext, channelId: string, userId: string): void {
  const { state } = context;
  const channel = state.requireChannel(channelId);
  const at = Date.now();
  state.typing.push({ channelId, userId, at });
  const data = { channel_id: channelId, user_id: userId, timestamp: Math.floor(at / 1000) };
  context.gateway.dispatch({ t: GatewayDispatchEvents.TypingStart, d: channel.guildId ? { ...data, guild_id: channel.guildId } : data }, channel.guildId);
  context.events.record({ type: 'typing', channelId, userId });
}
