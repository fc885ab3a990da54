import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { deleteChannel, recordTyping, updateGuildChannel } from '../domain/channels.js';
import { updateThread } from '../domain/threads.js';
import { DiscordErrors } from '../errors.js';
import { assertChannelPermissions } from '../permissions.js';
import type { ChannelRecord } from '../records.js';
import { renderChannel } from '../render/channels.js';
import { bodyObject, json, noContent, param, type RestRequest, type RestRoute } from './types.js';

/** The channel of `:channelId` if the bot can see it (10003 unknown, 50001 not visible). */
export function visibleChannel(request: RestRequest, context: EmulatorContext): ChannelRecord {
  const channel = context.state.requireChannel(param(request, 'channelId'));
  if (channel.guildId !== null && !context.state.botIsInGuild(channel.guildId)) throw DiscordErrors.unknownChannel();
  assertChannelPermissions(context.state, context.state.botId, channel, PermissionFlagsBits.ViewChannel);
  return channel;
}

export const channelRoutes: RestRoute[] = [
  {
    method: 'GET',
    pattern: '/channels/:channelId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => json(renderChannel(context.state, visibleChannel(request, context))),
  },
  {
    method: 'PATCH',
    pattern: '/channels/:channelId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const body = bodyObject(request);
      if (channel.thread) return json(updateThread(context, channel, body, context.state.botId));
      if (channel.guildId === null) throw DiscordErrors.invalidChannelType();
      return json(updateGuildChannel(context, channel, body, context.state.botId));
    },
  },
  {
    method: 'DELETE',
    pattern: '/channels/:channelId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const isOwnThread = channel.thread !== null && channel.ownerId === context.state.botId;
      const required = channel.thread ? PermissionFlagsBits.ManageThreads : PermissionFlagsBits.ManageChannels;
      if (!isOwnThread) assertChannelPermissions(context.state, context.state.botId, channel, required);
      return json(deleteChannel(context, channel.id));
    },
  },
  {
    method: 'POST',
    pattern: '/channels/:channelId/typing',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      recordTyping(context, channel.id, context.state.botId);
      return noContent();
    },
  },
];
