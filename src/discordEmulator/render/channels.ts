import {
  ChannelType,
  type APIChannel,
  type APIDMChannel,
  type APIGuildCategoryChannel,
  type APIThreadChannel,
  type APIThreadMember,
  type APITextChannel,
  type GatewayChannelCreateDispatchData,
  type ThreadChannelType,
  type ThreadMemberFlags,
} from 'discord-api-types/v10';
import type { ChannelRecord } from '../records.js';
import type { EmulatorState } from '../state.js';

/** A thread as Discord sends it; `member` is set when the bot has joined it (the THREAD_CREATE rule). */
export function renderThread(state: EmulatorState, channel: ChannelRecord): APIThreadChannel {
  const thread = channel.thread;
  if (!thread) throw new Error(`channel ${channel.id} is not a thread`);
  const rendered: APIThreadChannel = {
    id: channel.id,
    type: channel.type as ThreadChannelType,
    guild_id: channel.guildId ?? undefined,
    parent_id: channel.parentId ?? undefined,
    owner_id: channel.ownerId ?? undefined,
    name: channel.name,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: channel.rateLimitPerUser,
    message_count: state.liveMessages(channel.id).length,
    member_count: Math.min(thread.memberIds.size, 50),
    total_message_sent: thread.totalMessageSent,
    applied_tags: [],
    thread_metadata: {
      archived: thread.archived,
      auto_archive_duration: thread.autoArchiveDuration,
      archive_timestamp: thread.archiveTimestamp,
      locked: thread.locked,
      invitable: channel.type === ChannelType.PrivateThread ? thread.invitable : undefined,
      create_timestamp: thread.createTimestamp,
    },
  };
  if (thread.memberIds.has(state.botId)) rendered.member = renderThreadMember(channel, state.botId);
  return rendered;
}

/** The bot's (or a user's) membership of a thread. */
export function renderThreadMember(channel: ChannelRecord, userId: string): APIThreadMember {
  return { id: channel.id, user_id: userId, join_timestamp: channel.thread?.createTimestamp ?? new Date().toISOString(), flags: 0 as ThreadMemberFlags };
}

/**
 * Any channel as Discord sends it over REST and in CHANNEL_* events (with `guild_id`, without which
 * discord.js would treat a guild channel as a DM and drop it).
 */
export function renderChannel(state: EmulatorState, channel: ChannelRecord): APIChannel {
  if (channel.thread) return renderThread(state, channel) as APIChannel;
  if (channel.guildId === null) {
    const dm: APIDMChannel = {
      id: channel.id,
      type: ChannelType.DM,
      last_message_id: channel.lastMessageId,
      recipients: channel.recipientIds.filter((id) => id !== state.botId).map((id) => state.requireUser(id)),
      name: null,
    };
    return dm;
  }
  if (channel.type === ChannelType.GuildCategory) {
    const category: APIGuildCategoryChannel = {
      id: channel.id,
      type: ChannelType.GuildCategory,
      guild_id: channel.guildId,
      name: channel.name,
      position: channel.position,
      permission_overwrites: channel.permissionOverwrites.map((overwrite) => ({ ...overwrite })),
      parent_id: null,
      nsfw: channel.nsfw,
    };
    return category;
  }
  // Text, announcement and voice channels share the text shape closely enough for discord.js.
  const text: APITextChannel = {
    id: channel.id,
    type: channel.type as ChannelType.GuildText,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    permission_overwrites: channel.permissionOverwrites.map((overwrite) => ({ ...overwrite })),
    parent_id: channel.parentId,
    topic: channel.topic,
    nsfw: channel.nsfw,
    rate_limit_per_user: channel.rateLimitPerUser,
    last_message_id: channel.lastMessageId,
    default_auto_archive_duration: 1440,
  };
  return text;
}

/** A guild channel as the payload of CHANNEL_CREATE / UPDATE / DELETE. */
export function renderGuildChannelPayload(state: EmulatorState, channel: ChannelRecord): GatewayChannelCreateDispatchData {
  return renderChannel(state, channel) as GatewayChannelCreateDispatchData;
}
