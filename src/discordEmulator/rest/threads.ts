import { PermissionFlagsBits } from 'discord-api-types/v10';
import { setThreadMembership, startThread, startThreadFromMessage } from '../domain/threads.js';
import { DiscordErrors } from '../errors.js';
import { assertChannelPermissions } from '../permissions.js';
import { renderThread, renderThreadMember } from '../render/channels.js';
import { compareSnowflakes } from '../snowflake.js';
import { visibleChannel } from './channels.js';
import { bodyObject, json, noContent, param, type RestRoute } from './types.js';

export const threadRoutes: RestRoute[] = [
  {
    method: 'POST',
    pattern: '/channels/:channelId/messages/:messageId/threads',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const body = bodyObject(request);
      const thread = startThreadFromMessage(context, channel.id, param(request, 'messageId'), {
        name: body.name,
        autoArchiveDuration: body.auto_archive_duration,
        rateLimitPerUser: body.rate_limit_per_user,
        creatorId: context.state.botId,
      });
      return json(renderThread(context.state, thread), 201);
    },
  },
  {
    method: 'POST',
    pattern: '/channels/:channelId/threads',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const body = bodyObject(request);
      const thread = startThread(context, channel.id, {
        name: body.name,
        autoArchiveDuration: body.auto_archive_duration,
        rateLimitPerUser: body.rate_limit_per_user,
        type: body.type,
        invitable: body.invitable,
        creatorId: context.state.botId,
      });
      return json(renderThread(context.state, thread), 201);
    },
  },
  {
    method: 'PUT',
    pattern: '/channels/:channelId/thread-members/:userId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const thread = visibleChannel(request, context);
      const userId = param(request, 'userId') === '@me' ? context.state.botId : param(request, 'userId');
      if (userId !== context.state.botId) assertChannelPermissions(context.state, context.state.botId, thread, PermissionFlagsBits.SendMessagesInThreads);
      setThreadMembership(context, thread, userId, true);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    pattern: '/channels/:channelId/thread-members/:userId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const thread = visibleChannel(request, context);
      const userId = param(request, 'userId') === '@me' ? context.state.botId : param(request, 'userId');
      if (userId !== context.state.botId) assertChannelPermissions(context.state, context.state.botId, thread, PermissionFlagsBits.ManageThreads);
      setThreadMembership(context, thread, userId, false);
      return noContent();
    },
  },
  {
    method: 'GET',
    pattern: '/channels/:channelId/thread-members',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const thread = visibleChannel(request, context);
      if (!thread.thread) throw DiscordErrors.invalidChannelType();
      return json([...thread.thread.memberIds].map((userId) => renderThreadMember(thread, userId)));
    },
  },
  {
    method: 'GET',
    pattern: '/channels/:channelId/threads/archived/public',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const archived = context.state
        .threadsOf(channel.id)
        .filter((thread) => thread.thread?.archived && thread.type !== 12)
        .sort((left, right) => compareSnowflakes(right.id, left.id));
      return json({ threads: archived.map((thread) => renderThread(context.state, thread)), members: [], has_more: false });
    },
  },
];
