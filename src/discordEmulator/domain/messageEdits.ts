import { AllowedMentionsTypes, GatewayDispatchEvents, MessageFlags, PermissionFlagsBits } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DiscordErrors, invalidFormBody } from '../errors.js';
import type { UploadedFile } from '../http/body.js';
import { assertChannelPermissions } from '../permissions.js';
import type { MessageRecord } from '../records.js';
import { compareSnowflakes, snowflakeTimestamp } from '../snowflake.js';
import { resolveAttachments } from './attachments.js';
import { parseContentMentions, resolvePings } from './mentions.js';
import type { MessageInput } from './messageInput.js';
import { announceMessage, authorUserId, recordPings, type MessageOrigin } from './messages.js';
import { validateMessageInput } from './validation.js';

/** An edit of an existing message. */
export interface EditMessageRequest {
  message: MessageRecord;
  input: MessageInput;
  files?: readonly UploadedFile[];
  origin: MessageOrigin;
  /** Flags to clear (LOADING when a deferred response is resolved). */
  clearFlags?: number;
}

/** Flags a message's author may change on edit. */
const EDITABLE_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;

/**
 * Edits a message: validates, keeps the previous version in `revisions`, recomputes mentions and
 * pings when the content changes (an edit's `allowed_mentions` decides), sets `edited_timestamp`
 * (not when a deferred "thinking" message gets its first content — Discord shows no "(edited)" then)
 * and dispatches MESSAGE_UPDATE. Messages in archived threads cannot be edited (50083).
 */
export function editMessage(context: EmulatorContext, request: EditMessageRequest): MessageRecord {
  const { state } = context;
  const { message, input } = request;
  const channel = state.requireChannel(message.channelId);
  if (channel.thread?.archived) throw DiscordErrors.archivedThread();
  const keptAttachments = input.attachments === undefined ? message.attachments.length : (input.attachments ?? []).length;
  validateMessageInput(input, { hasFiles: keptAttachments + (request.files?.length ?? 0) > 0, isEdit: true });
  const wasLoading = (message.flags & MessageFlags.Loading) !== 0;
  message.revisions.push({
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments,
    flags: message.flags,
    replacedAt: Date.now(),
  });
  if (input.content !== undefined) message.content = input.content ?? '';
  if (input.embeds !== undefined) message.embeds = input.embeds ?? [];
  if (input.components !== undefined) message.components = input.components ?? [];
  if (input.flags !== undefined && input.flags !== null) message.flags = (message.flags & ~EDITABLE_FLAGS) | (input.flags & EDITABLE_FLAGS);
  message.flags &= ~(request.clearFlags ?? 0);
  if (input.attachments !== undefined || (request.files?.length ?? 0) > 0) {
    message.attachments = resolveAttachments(context, channel.id, input.attachments, request.files ?? [], message.attachments);
  }
  if (!wasLoading) message.editedAt = Date.now();
  if (input.content !== undefined) {
    const mentions = parseContentMentions(state, message.content, channel.guildId);
    const defaultParse =
      request.origin === 'bot' || request.origin === 'user'
        ? [AllowedMentionsTypes.User, AllowedMentionsTypes.Role, AllowedMentionsTypes.Everyone]
        : [AllowedMentionsTypes.User];
    const pings = resolvePings({ state, channel, authorId: authorUserId(message.author), mentions, allowedMentions: input.allowed_mentions, defaultParse, repliedUserId: null });
    message.mentionUserIds = mentions.userIds;
    message.mentionRoleIds = mentions.roleIds;
    message.mentionEveryone = pings.everyone;
    recordPings(context, message, pings, wasLoading ? 'create' : 'edit');
  }
  announceMessage(context, message, 'updated');
  return message;
}

/** Throws 50005 unless `userId` wrote the message (only authors edit content). */
export function assertAuthor(message: MessageRecord, userId: string): void {
  if (authorUserId(message.author) !== userId) throw DiscordErrors.cannotEditOthersMessage();
}

/** Deletes a message and dispatches MESSAGE_DELETE (nothing for ephemeral messages). */
export function deleteMessage(context: EmulatorContext, message: MessageRecord): void {
  message.deletedAt = Date.now();
  if (message.ephemeralForUserId === null) {
    const data = message.guildId ? { id: message.id, channel_id: message.channelId, guild_id: message.guildId } : { id: message.id, channel_id: message.channelId };
    context.gateway.dispatch({ t: GatewayDispatchEvents.MessageDelete, d: data }, message.guildId);
  }
  context.events.record({ type: 'messageDeleted', messageId: message.id, channelId: message.channelId });
}

/**
 * Deletes a message on behalf of `actorId`: their own freely, others' with Manage Messages (50013).
 */
export function deleteMessageAs(context: EmulatorContext, message: MessageRecord, actorId: string): void {
  if (authorUserId(message.author) !== actorId) {
    assertChannelPermissions(context.state, actorId, context.state.requireChannel(message.channelId), PermissionFlagsBits.ManageMessages);
  }
  deleteMessage(context, message);
}

const TWO_WEEKS_MS = 14 * 24 * 60 * 60 * 1000;

/** POST bulk-delete: 2–100 distinct ids, none older than two weeks; one MESSAGE_DELETE_BULK. */
export function bulkDeleteMessages(context: EmulatorContext, channelId: string, messageIds: unknown, actorId: string): void {
  const { state } = context;
  const channel = state.requireChannel(channelId);
  assertChannelPermissions(state, actorId, channel, PermissionFlagsBits.ManageMessages);
  if (!Array.isArray(messageIds) || messageIds.length < 2 || messageIds.length > 100) {
    throw invalidFormBody([{ path: ['messages'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 2 and 100 in length.' }]);
  }
  const ids = messageIds.map(String);
  if (new Set(ids).size !== ids.length || ids.some((id) => !/^\d+$/.test(id) || Date.now() - snowflakeTimestamp(id) > TWO_WEEKS_MS)) {
    throw invalidFormBody([{ path: ['messages'], code: 'MESSAGE_BULK_DELETE_INVALID', message: 'Messages must be unique and younger than 2 weeks.' }]);
  }
  const deleted: string[] = [];
  for (const id of ids.sort(compareSnowflakes)) {
    const message = state.messages.get(id);
    if (!message || message.deletedAt !== null || message.channelId !== channelId) continue;
    message.deletedAt = Date.now();
    deleted.push(id);
    context.events.record({ type: 'messageDeleted', messageId: id, channelId });
  }
  const data = channel.guildId ? { ids: deleted, channel_id: channelId, guild_id: channel.guildId } : { ids: deleted, channel_id: channelId };
  context.gateway.dispatch({ t: GatewayDispatchEvents.MessageDeleteBulk, d: data }, channel.guildId);
}
