import {
  ChannelType,
  GatewayDispatchEvents,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  ThreadAutoArchiveDuration,
  type APIThreadChannel,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DiscordErrors, invalidFormBody, type FieldError } from '../errors.js';
import { assertChannelPermissions, channelPermissions, hasPermissions } from '../permissions.js';
import type { ChannelRecord } from '../records.js';
import { renderThread, renderThreadMember } from '../render/channels.js';
import { announceMessage } from './messages.js';
import { badLength } from './validation.js';

const AUTO_ARCHIVE_DURATIONS = new Set<number>([60, 1440, 4320, 10080]);

/** Options shared by both ways of starting a thread. */
export interface ThreadOptions {
  name: unknown;
  autoArchiveDuration?: unknown;
  rateLimitPerUser?: unknown;
  /** Who creates it (the bot over REST, or a simulated user). */
  creatorId: string;
}

function validateThreadOptions(options: ThreadOptions): { name: string; autoArchiveDuration: ThreadAutoArchiveDuration; rateLimitPerUser: number } {
  const errors: FieldError[] = [];
  const name = typeof options.name === 'string' ? options.name : '';
  if (options.name === undefined || options.name === null) errors.push({ path: ['name'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
  else if (name.trim().length < 1 || name.length > 100) errors.push(badLength(['name'], 1, 100));
  const duration = options.autoArchiveDuration ?? ThreadAutoArchiveDuration.OneDay;
  if (typeof duration !== 'number' || !AUTO_ARCHIVE_DURATIONS.has(duration)) {
    errors.push({ path: ['auto_archive_duration'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {60, 1440, 4320, 10080}.' });
  }
  const rateLimit = options.rateLimitPerUser ?? 0;
  if (typeof rateLimit !== 'number' || rateLimit < 0 || rateLimit > 21600) {
    errors.push({ path: ['rate_limit_per_user'], code: 'NUMBER_TYPE_MAX', message: 'int value should be less than or equal to 21600.' });
  }
  if (errors.length > 0) throw invalidFormBody(errors);
  return { name, autoArchiveDuration: duration as ThreadAutoArchiveDuration, rateLimitPerUser: rateLimit as number };
}

function newThreadRecord(id: string, parent: ChannelRecord, type: ChannelType, options: ReturnType<typeof validateThreadOptions>, creatorId: string, invitable: boolean): ChannelRecord {
  const now = new Date().toISOString();
  return {
    id,
    type,
    guildId: parent.guildId,
    name: options.name,
    topic: null,
    position: 0,
    parentId: parent.id,
    permissionOverwrites: [],
    nsfw: parent.nsfw,
    rateLimitPerUser: options.rateLimitPerUser,
    lastMessageId: null,
    ownerId: creatorId,
    recipientIds: [],
    thread: {
      archived: false,
      locked: false,
      invitable,
      autoArchiveDuration: options.autoArchiveDuration,
      archiveTimestamp: now,
      createTimestamp: now,
      memberIds: new Set([creatorId]),
      totalMessageSent: 0,
    },
  };
}

function announceThreadCreate(context: EmulatorContext, thread: ChannelRecord): APIThreadChannel {
  const rendered = renderThread(context.state, thread);
  context.gateway.dispatch({ t: GatewayDispatchEvents.ThreadCreate, d: { ...rendered, newly_created: true } }, thread.guildId);
  context.events.record({ type: 'threadCreated', thread: rendered });
  return rendered;
}

/** Dispatches THREAD_UPDATE with the thread's current state. */
export function announceThreadUpdate(context: EmulatorContext, thread: ChannelRecord): APIThreadChannel {
  const rendered = renderThread(context.state, thread);
  context.gateway.dispatch({ t: GatewayDispatchEvents.ThreadUpdate, d: rendered }, thread.guildId);
  context.events.record({ type: 'threadUpdated', thread: rendered });
  return rendered;
}

/** Threads start only in text and announcement channels: not in voice channels, nor in threads (50024). */
function requireThreadParent(context: EmulatorContext, channelId: string): ChannelRecord {
  const parent = context.state.requireChannel(channelId);
  if (parent.type !== ChannelType.GuildText && parent.type !== ChannelType.GuildAnnouncement) throw DiscordErrors.invalidChannelType();
  return parent;
}

/** A guild has at most `maxActiveThreads` threads that are not archived (160006). */
function assertActiveThreadRoom(context: EmulatorContext, parent: ChannelRecord): void {
  let active = 0;
  for (const channel of context.state.channels.values()) {
    if (channel.guildId === parent.guildId && channel.thread !== null && !channel.thread.archived) active += 1;
  }
  if (active >= context.options.maxActiveThreads) throw DiscordErrors.maximumActiveThreads();
}

/**
 * Starts a public thread from a message: the thread's id is the message's id (one thread per message,
 * else 160004; at most `maxActiveThreads` active per guild, else 160006); THREAD_CREATE, then
 * MESSAGE_UPDATE of the starter with `thread` and HAS_THREAD.
 * @see https://discord.com/developers/docs/resources/channel#start-thread-from-message
 */
export function startThreadFromMessage(context: EmulatorContext, channelId: string, messageId: string, options: ThreadOptions): ChannelRecord {
  const { state } = context;
  const parent = requireThreadParent(context, channelId);
  const starter = state.requireMessage(messageId, channelId);
  assertChannelPermissions(state, options.creatorId, parent, PermissionFlagsBits.CreatePublicThreads);
  if (state.channels.has(starter.id)) throw DiscordErrors.threadAlreadyCreated();
  const settings = validateThreadOptions(options);
  assertActiveThreadRoom(context, parent);
  const type = parent.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread;
  const thread = newThreadRecord(starter.id, parent, type, settings, options.creatorId, true);
  state.channels.set(thread.id, thread);
  announceThreadCreate(context, thread);
  starter.flags |= MessageFlags.HasThread;
  announceMessage(context, starter, 'updated');
  return thread;
}

/**
 * Starts a thread without a message (type 11 public or 12 private; Discord's default is private).
 * A public one also leaves a THREAD_CREATED (type 18) system message in the parent.
 */
export function startThread(context: EmulatorContext, channelId: string, options: ThreadOptions & { type?: unknown; invitable?: unknown }): ChannelRecord {
  const { state } = context;
  const parent = requireThreadParent(context, channelId);
  const type = options.type ?? ChannelType.PrivateThread;
  if (type !== ChannelType.PublicThread && type !== ChannelType.PrivateThread && type !== ChannelType.AnnouncementThread) {
    throw invalidFormBody([{ path: ['type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {10, 11, 12}.' }]);
  }
  const permission = type === ChannelType.PrivateThread ? PermissionFlagsBits.CreatePrivateThreads : PermissionFlagsBits.CreatePublicThreads;
  assertChannelPermissions(state, options.creatorId, parent, permission);
  const settings = validateThreadOptions(options);
  assertActiveThreadRoom(context, parent);
  const thread = newThreadRecord(state.ids.next(), parent, type, settings, options.creatorId, options.invitable !== false);
  state.channels.set(thread.id, thread);
  announceThreadCreate(context, thread);
  if (type !== ChannelType.PrivateThread) postThreadCreatedNotice(context, parent, thread);
  return thread;
}

function postThreadCreatedNotice(context: EmulatorContext, parent: ChannelRecord, thread: ChannelRecord): void {
  const { state } = context;
  const id = state.ids.next();
  state.addMessage({
    id,
    channelId: parent.id,
    guildId: parent.guildId,
    author: { kind: 'user', userId: thread.ownerId ?? state.botId },
    type: MessageType.ThreadCreated,
    content: thread.name,
    embeds: [],
    components: [],
    attachments: [],
    poll: null,
    flags: 0,
    tts: false,
    pinned: false,
    nonce: null,
    createdAt: Date.now(),
    editedAt: null,
    mentionUserIds: [],
    mentionRoleIds: [],
    mentionEveryone: false,
    reference: { channel_id: thread.id, guild_id: thread.guildId ?? undefined },
    applicationId: null,
    webhookId: null,
    interaction: null,
    ephemeralForUserId: null,
    revisions: [],
    deletedAt: null,
    reactions: new Map(),
  });
  parent.lastMessageId = id;
  const message = state.messages.get(id);
  if (message) announceMessage(context, message, 'created');
}

/** Sending to an archived, unlocked thread un-archives it, as on Discord. */
export function reopenArchivedThread(context: EmulatorContext, thread: ChannelRecord): void {
  if (!thread.thread?.archived) return;
  thread.thread.archived = false;
  thread.thread.archiveTimestamp = new Date().toISOString();
  announceThreadUpdate(context, thread);
}

/** Fields of PATCH /channels/{thread.id} that concern threads. */
export interface ThreadPatch {
  name?: unknown;
  archived?: unknown;
  locked?: unknown;
  auto_archive_duration?: unknown;
  invitable?: unknown;
  rate_limit_per_user?: unknown;
}

/**
 * Edits a thread on behalf of `actorId`. Owners may rename and archive their thread; locking and
 * anything on someone else's thread needs Manage Threads (50013). An archived thread accepts no
 * change except being un-archived (50083).
 */
export function updateThread(context: EmulatorContext, thread: ChannelRecord, patch: ThreadPatch, actorId: string): APIThreadChannel {
  const state = thread.thread;
  if (!state) throw DiscordErrors.invalidChannelType();
  const canManage = hasPermissions(channelPermissions(context.state, actorId, thread), PermissionFlagsBits.ManageThreads);
  const isOwner = thread.ownerId === actorId;
  if (!canManage && (patch.locked !== undefined || (!isOwner && (patch.name !== undefined || patch.archived === true)))) throw DiscordErrors.missingPermissions();
  if (state.locked && patch.archived === false && !canManage) throw DiscordErrors.threadLocked();
  if (state.archived && patch.archived !== false) throw DiscordErrors.archivedThread();
  if (patch.name !== undefined || patch.auto_archive_duration !== undefined || patch.rate_limit_per_user !== undefined) {
    const settings = validateThreadOptions({
      name: patch.name ?? thread.name,
      autoArchiveDuration: patch.auto_archive_duration ?? state.autoArchiveDuration,
      rateLimitPerUser: patch.rate_limit_per_user ?? thread.rateLimitPerUser,
      creatorId: actorId,
    });
    thread.name = settings.name;
    state.autoArchiveDuration = settings.autoArchiveDuration;
    thread.rateLimitPerUser = settings.rateLimitPerUser;
  }
  if (typeof patch.archived === 'boolean' && patch.archived !== state.archived) {
    state.archived = patch.archived;
    state.archiveTimestamp = new Date().toISOString();
  }
  if (typeof patch.locked === 'boolean') state.locked = patch.locked;
  if (typeof patch.invitable === 'boolean') state.invitable = patch.invitable;
  return announceThreadUpdate(context, thread);
}

/** Adds or removes a thread member; the bot's own membership changes are dispatched as THREAD_MEMBERS_UPDATE. */
export function setThreadMembership(context: EmulatorContext, thread: ChannelRecord, userId: string, member: boolean): void {
  const state = thread.thread;
  if (!state) throw DiscordErrors.invalidChannelType();
  if (state.archived) throw DiscordErrors.archivedThread();
  if (member === state.memberIds.has(userId)) return;
  if (member) state.memberIds.add(userId);
  else state.memberIds.delete(userId);
  context.events.record({ type: 'threadMembersUpdated', threadId: thread.id, userId, member });
  if (userId !== context.state.botId || thread.guildId === null) return;
  const data = member
    ? { id: thread.id, guild_id: thread.guildId, member_count: state.memberIds.size, added_members: [renderThreadMember(thread, userId)] }
    : { id: thread.id, guild_id: thread.guildId, member_count: state.memberIds.size, removed_member_ids: [userId] };
  context.gateway.dispatch({ t: GatewayDispatchEvents.ThreadMembersUpdate, d: data }, thread.guildId);
}
