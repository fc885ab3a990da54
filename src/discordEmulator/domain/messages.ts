import {
  AllowedMentionsTypes,
  ChannelType,
  GatewayDispatchEvents,
  MessageFlags,
  MessageReferenceType,
  MessageType,
  PermissionFlagsBits,
  type APIAttachment,
  type APIMessageReference,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DiscordErrors, invalidFormBody } from '../errors.js';
import type { UploadedFile } from '../http/body.js';
import { assertChannelPermissions, channelPermissions, hasPermissions } from '../permissions.js';
import type { ChannelRecord, MessageAuthor, MessageRecord } from '../records.js';
import { renderGatewayMessage, renderMessage } from '../render/messages.js';
import { compareSnowflakes } from '../snowflake.js';
import { resolveAttachments } from './attachments.js';
import { parseContentMentions, resolvePings, type ResolvedPings } from './mentions.js';
import type { MessageInput } from './messageInput.js';
import { reopenArchivedThread } from './threads.js';
import { validateMessageInput } from './validation.js';

/** Who is posting, which decides permission checks and `allowed_mentions` defaults. */
export type MessageOrigin = 'bot' | 'user' | 'webhook' | 'interaction';

/** Everything needed to create a message. */
export interface CreateMessageRequest {
  channelId: string;
  author: MessageAuthor;
  origin: MessageOrigin;
  input: MessageInput;
  files?: readonly UploadedFile[];
  /** Attachments already stored (simulated users). */
  attachments?: APIAttachment[];
  type?: MessageType;
  interactionId?: string;
  /** Only this user sees the message; it is never dispatched. */
  ephemeralForUserId?: string | null;
  /** Extra flags set by the emulator itself (LOADING for deferred responses). */
  extraFlags?: number;
  /** Deferred "thinking" messages have no content and skip validation. */
  skipValidation?: boolean;
  /** When it was sent, if earlier than now (simulated users): its id and timestamp say so. */
  sentAt?: number;
}

/** Flags a create may set (Discord ignores the others); EPHEMERAL is decided by {@link CreateMessageRequest.ephemeralForUserId}. */
const SETTABLE_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsVoiceMessage | MessageFlags.IsComponentsV2;

const TEXT_CHANNEL_TYPES = new Set<ChannelType>([
  ChannelType.GuildText,
  ChannelType.DM,
  ChannelType.GuildVoice,
  ChannelType.GuildAnnouncement,
  ChannelType.AnnouncementThread,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.GuildStageVoice,
]);

/** The user id behind an author (webhooks have none). */
export function authorUserId(author: MessageAuthor): string | null {
  return author.kind === 'user' ? author.userId : null;
}

function nonceKey(author: MessageAuthor, nonce: string | number): string {
  return `${author.kind === 'user' ? author.userId : author.webhookId}:${String(nonce)}`;
}

function assertCanPost(context: EmulatorContext, channel: ChannelRecord, userId: string, request: CreateMessageRequest): void {
  const inThread = channel.thread !== null;
  let required = inThread ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages;
  if ((request.files?.length ?? 0) > 0 || (request.attachments?.length ?? 0) > 0) required |= PermissionFlagsBits.AttachFiles;
  if (request.input.message_reference) required |= PermissionFlagsBits.ReadMessageHistory;
  assertChannelPermissions(context.state, userId, channel, required);
  if (channel.thread?.locked && !hasPermissions(channelPermissions(context.state, userId, channel), PermissionFlagsBits.ManageThreads)) {
    throw DiscordErrors.threadLocked();
  }
}

function resolveReference(context: EmulatorContext, channel: ChannelRecord, input: MessageInput): { reference: APIMessageReference; repliedUserId: string | null } | null {
  const requested = input.message_reference;
  if (!requested?.message_id || (requested.type ?? MessageReferenceType.Default) !== MessageReferenceType.Default) return null;
  const target = context.state.messages.get(requested.message_id);
  const valid = target && target.deletedAt === null && target.channelId === (requested.channel_id ?? channel.id);
  if (!valid) {
    // discord.js sends fail_if_not_exists = the client's failIfNotExists option (default true).
    if (requested.fail_if_not_exists === false) return null;
    throw invalidFormBody([{ path: ['message_reference'], code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }]);
  }
  const reference: APIMessageReference = { type: MessageReferenceType.Default, message_id: target.id, channel_id: target.channelId };
  if (target.guildId) reference.guild_id = target.guildId;
  return { reference, repliedUserId: authorUserId(target.author) };
}

/** Records who would be notified; messages that notify nobody leave no record. */
export function recordPings(context: EmulatorContext, message: MessageRecord, pings: ResolvedPings, reason: 'create' | 'edit'): void {
  if (pings.userIds.length === 0 && pings.roleIds.length === 0 && !pings.everyone) return;
  context.state.pings.push({
    messageId: message.id,
    channelId: message.channelId,
    authorId: message.author.kind === 'user' ? message.author.userId : message.author.webhookId,
    reason,
    userIds: [...pings.userIds],
    roleIds: [...pings.roleIds],
    everyone: pings.everyone,
    at: Date.now(),
  });
}

/** Sends MESSAGE_CREATE/UPDATE (unless ephemeral) and records the matching event. */
export function announceMessage(context: EmulatorContext, message: MessageRecord, kind: 'created' | 'updated'): void {
  const ephemeral = message.ephemeralForUserId !== null;
  if (!ephemeral) {
    const name = kind === 'created' ? GatewayDispatchEvents.MessageCreate : GatewayDispatchEvents.MessageUpdate;
    context.gateway.dispatch({ t: name, d: renderGatewayMessage(context.state, message) }, message.guildId);
  }
  const rendered = renderMessage(context.state, message);
  context.events.record(kind === 'created' ? { type: 'messageCreated', message: rendered, ephemeral } : { type: 'messageUpdated', message: rendered, ephemeral });
}

/**
 * Creates a message with Discord's checks and side effects: permissions (50001/50013), validation
 * (50035/50006), `enforce_nonce` de-duplication (the first message is returned and nothing is
 * created), reply resolution, pings, re-opening an archived thread, and MESSAGE_CREATE.
 */
export function createMessage(context: EmulatorContext, request: CreateMessageRequest): MessageRecord {
  const { state, options } = context;
  const channel = state.requireChannel(request.channelId);
  if (!TEXT_CHANNEL_TYPES.has(channel.type)) throw DiscordErrors.nonTextChannel();
  const userId = authorUserId(request.author);
  if (userId !== null && (request.origin === 'bot' || request.origin === 'user')) assertCanPost(context, channel, userId, request);
  const { input } = request;
  const hasFiles = (request.files?.length ?? 0) > 0 || (request.attachments?.length ?? 0) > 0;
  if (!request.skipValidation) validateMessageInput(input, { hasFiles, isEdit: false });

  const nonce = input.nonce ?? null;
  if (nonce !== null && input.enforce_nonce === true) {
    const seen = state.nonces.get(nonceKey(request.author, nonce));
    const existing = seen && Date.now() - seen.at <= options.timings.nonceWindowMs ? state.messages.get(seen.messageId) : undefined;
    if (existing) return existing;
  }

  const reply = resolveReference(context, channel, input);
  if (channel.thread?.archived) reopenArchivedThread(context, channel);
  const content = input.content ?? '';
  const mentions = parseContentMentions(state, content, channel.guildId);
  const defaultParse =
    request.origin === 'webhook' || request.origin === 'interaction'
      ? [AllowedMentionsTypes.User]
      : [AllowedMentionsTypes.User, AllowedMentionsTypes.Role, AllowedMentionsTypes.Everyone];
  const pings = resolvePings({ state, channel, authorId: userId, mentions, allowedMentions: input.allowed_mentions, defaultParse, repliedUserId: reply?.repliedUserId ?? null });
  const mentionUserIds = [...mentions.userIds];
  if (reply?.repliedUserId && pings.userIds.includes(reply.repliedUserId) && !mentionUserIds.includes(reply.repliedUserId)) mentionUserIds.push(reply.repliedUserId);

  const id = request.sentAt === undefined ? state.ids.next() : state.ids.at(request.sentAt);
  const ephemeral = request.ephemeralForUserId ?? null;
  const message: MessageRecord = {
    id,
    channelId: channel.id,
    guildId: channel.guildId,
    author: request.author,
    type: request.type ?? (reply ? MessageType.Reply : MessageType.Default),
    content,
    embeds: input.embeds ?? [],
    components: input.components ?? [],
    attachments: [...(request.attachments ?? []), ...resolveAttachments(context, channel.id, input.attachments, request.files ?? [], [])],
    poll: null,
    flags: ((input.flags ?? 0) & SETTABLE_FLAGS) | (ephemeral ? MessageFlags.Ephemeral : 0) | (request.extraFlags ?? 0),
    tts: input.tts ?? false,
    pinned: false,
    nonce,
    createdAt: request.sentAt ?? Date.now(),
    editedAt: null,
    mentionUserIds,
    mentionRoleIds: mentions.roleIds,
    mentionEveryone: pings.everyone,
    reference: reply?.reference ?? null,
    applicationId: request.origin === 'interaction' ? state.application.id : null,
    webhookId: request.origin === 'interaction' ? state.application.id : request.author.kind === 'webhook' ? request.author.webhookId : null,
    interaction: request.interactionId ? { interactionId: request.interactionId } : null,
    ephemeralForUserId: ephemeral,
    revisions: [],
    deletedAt: null,
    reactions: new Map(),
  };
  state.addMessage(message);
  if (nonce !== null && input.enforce_nonce === true) state.nonces.set(nonceKey(request.author, nonce), { messageId: id, at: message.createdAt });
  if (!ephemeral) {
    if (channel.lastMessageId === null || compareSnowflakes(id, channel.lastMessageId) > 0) channel.lastMessageId = id;
    if (channel.thread) channel.thread.totalMessageSent += 1;
  }
  recordPings(context, message, pings, 'create');
  announceMessage(context, message, 'created');
  return message;
}
