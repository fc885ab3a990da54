import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { assertAuthor, bulkDeleteMessages, deleteMessageAs, editMessage } from '../domain/messageEdits.js';
import { toMessageInput } from '../domain/messageInput.js';
import { createMessage } from '../domain/messages.js';
import { addReaction, parseEmoji, removeReaction } from '../domain/reactions.js';
import { DiscordErrors, invalidFormBody } from '../errors.js';
import { assertChannelPermissions } from '../permissions.js';
import type { MessageRecord } from '../records.js';
import { renderMessage } from '../render/messages.js';
import { compareSnowflakes } from '../snowflake.js';
import { visibleChannel } from './channels.js';
import { bodyObject, json, noContent, param, type RestRequest, type RestRoute } from './types.js';

/** The message of `:channelId/:messageId` in a channel the bot can see; ephemeral messages are not fetchable. */
function visibleMessage(request: RestRequest, context: EmulatorContext): MessageRecord {
  const channel = visibleChannel(request, context);
  const message = context.state.requireMessage(param(request, 'messageId'), channel.id);
  if (message.ephemeralForUserId !== null) throw DiscordErrors.unknownMessage();
  return message;
}

/**
 * GET messages: newest first, `limit` 1–100 (default 50), at most one of `before`/`after`/`around`.
 * @see https://discord.com/developers/docs/resources/message#get-channel-messages
 */
function listMessages(request: RestRequest, context: EmulatorContext): MessageRecord[] {
  const channel = visibleChannel(request, context);
  assertChannelPermissions(context.state, context.state.botId, channel, PermissionFlagsBits.ReadMessageHistory);
  const limit = Number(request.query.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidFormBody([{ path: ['limit'], code: 'NUMBER_TYPE_MAX', message: 'int value should be less than or equal to 100.' }]);
  }
  const all = context.state.liveMessages(channel.id).filter((message) => message.ephemeralForUserId === null);
  const before = request.query.get('before');
  const after = request.query.get('after');
  const around = request.query.get('around');
  if (after) return all.filter((message) => compareSnowflakes(message.id, after) > 0).slice(0, limit).reverse();
  if (around) {
    const older = all.filter((message) => compareSnowflakes(message.id, around) <= 0).slice(-Math.ceil(limit / 2));
    const newer = all.filter((message) => compareSnowflakes(message.id, around) > 0).slice(0, Math.floor(limit / 2));
    return [...older, ...newer].reverse();
  }
  const older = before ? all.filter((message) => compareSnowflakes(message.id, before) < 0) : all;
  return older.slice(-limit).reverse();
}

const reactionBase = '/channels/:channelId/messages/:messageId/reactions';

export const messageRoutes: RestRoute[] = [
  {
    method: 'GET',
    pattern: '/channels/:channelId/messages',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => json(listMessages(request, context).map((message) => renderMessage(context.state, message))),
  },
  {
    method: 'GET',
    pattern: '/channels/:channelId/messages/:messageId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => json(renderMessage(context.state, visibleMessage(request, context))),
  },
  {
    method: 'POST',
    pattern: '/channels/:channelId/messages',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const input = toMessageInput(bodyObject(request));
      const message = createMessage(context, { channelId: channel.id, author: { kind: 'user', userId: context.state.botId }, origin: 'bot', input, files: request.files });
      return json(renderMessage(context.state, message));
    },
  },
  {
    method: 'PATCH',
    pattern: '/channels/:channelId/messages/:messageId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const message = visibleMessage(request, context);
      assertAuthor(message, context.state.botId);
      const edited = editMessage(context, { message, input: toMessageInput(bodyObject(request)), files: request.files, origin: 'bot' });
      return json(renderMessage(context.state, edited));
    },
  },
  {
    method: 'DELETE',
    pattern: '/channels/:channelId/messages/:messageId',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      deleteMessageAs(context, visibleMessage(request, context), context.state.botId);
      return noContent();
    },
  },
  {
    method: 'POST',
    pattern: '/channels/:channelId/messages/bulk-delete',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      bulkDeleteMessages(context, channel.id, bodyObject(request).messages, context.state.botId);
      return noContent();
    },
  },
  {
    method: 'PUT',
    pattern: `${reactionBase}/:emoji/@me`,
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      addReaction(context, visibleMessage(request, context), param(request, 'emoji'), context.state.botId);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    pattern: `${reactionBase}/:emoji/:userId`,
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const userId = param(request, 'userId') === '@me' ? context.state.botId : param(request, 'userId');
      removeReaction(context, visibleMessage(request, context), param(request, 'emoji'), userId, context.state.botId);
      return noContent();
    },
  },
  {
    method: 'GET',
    pattern: `${reactionBase}/:emoji`,
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const message = visibleMessage(request, context);
      const reaction = message.reactions.get(parseEmoji(param(request, 'emoji')).key);
      return json([...(reaction?.userIds ?? [])].flatMap((id) => context.state.users.get(id) ?? []));
    },
  },
];
