import type { APIMessage } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { attachmentBytes, storeAttachment, type AttachmentSource } from '../domain/attachments.js';
import { recordTyping } from '../domain/channels.js';
import { assertAuthor, deleteMessageAs, editMessage } from '../domain/messageEdits.js';
import { createMessage } from '../domain/messages.js';
import { addReaction, removeReaction } from '../domain/reactions.js';
import { renderMessage } from '../render/messages.js';

/** A simulated user posting in a channel, thread or DM. */
export interface UserMessageSpec {
  channelId: string;
  authorId: string;
  /** May mention the bot as `<@BOT_ID>`, users as `<@id>`, roles as `<@&id>`. */
  content: string;
  /** Reply to this message id (pinging its author, as Discord's client does by default). */
  replyTo?: string;
  /** Files the user attaches; served from the emulator's CDN URL. */
  attachments?: AttachmentSource[];
  /**
   * When it was sent (ms since the epoch), to make a message older than now: its id and
   * timestamp carry that time and it takes its place in the channel's history by id. It is still
   * dispatched now, to sessions connected now.
   */
  sentAt?: number;
}

/**
 * A user says something: MESSAGE_CREATE to every session (content blanked for sessions without
 * MESSAGE_CONTENT unless the bot is mentioned or it is a DM). Returns the message as users see it.
 * Throws Discord's errors for what a real user could not do (unknown channel, no permission).
 */
export function userSays(context: EmulatorContext, spec: UserMessageSpec): APIMessage {
  const attachments = (spec.attachments ?? []).map((source) =>
    storeAttachment(context, spec.channelId, { filename: source.filename, contentType: source.contentType, bytes: attachmentBytes(source), description: source.description }),
  );
  const message = createMessage(context, {
    channelId: spec.channelId,
    author: { kind: 'user', userId: spec.authorId },
    origin: 'user',
    input: { content: spec.content, message_reference: spec.replyTo ? { message_id: spec.replyTo, fail_if_not_exists: true } : undefined },
    attachments,
    sentAt: spec.sentAt,
  });
  return renderMessage(context.state, message);
}

/** The author edits their message: MESSAGE_UPDATE. */
export function userEdits(context: EmulatorContext, spec: { messageId: string; content: string }): APIMessage {
  const message = context.state.requireMessage(spec.messageId);
  if (message.author.kind !== 'user') throw new Error(`Message ${spec.messageId} was not written by a user`);
  assertAuthor(message, message.author.userId);
  return renderMessage(context.state, editMessage(context, { message, input: { content: spec.content }, origin: 'user' }));
}

/** A user deletes a message (their own, or anyone's with Manage Messages): MESSAGE_DELETE. */
export function userDeletes(context: EmulatorContext, spec: { messageId: string; userId: string }): void {
  deleteMessageAs(context, context.state.requireMessage(spec.messageId), spec.userId);
}

/** A user adds (or with `remove: true` removes) a reaction: MESSAGE_REACTION_ADD / _REMOVE. */
export function userReacts(context: EmulatorContext, spec: { messageId: string; userId: string; emoji: string; remove?: boolean }): void {
  const message = context.state.requireMessage(spec.messageId);
  if (spec.remove) removeReaction(context, message, spec.emoji, spec.userId, spec.userId);
  else addReaction(context, message, spec.emoji, spec.userId);
}

/** A user starts typing: TYPING_START. */
export function userTypes(context: EmulatorContext, spec: { channelId: string; userId: string }): void {
  recordTyping(context, spec.channelId, spec.userId);
}
