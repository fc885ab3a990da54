import {
  ChannelType,
  type Client,
  DiscordAPIError,
  HTTPError,
  MessageFlags,
  PermissionFlagsBits,
  RateLimitError,
  RESTJSONErrorCodes,
  Routes,
  ThreadAutoArchiveDuration,
} from 'discord.js';
import { ChatRefusal } from '../agents/errors.js';
import type { Logger } from '../agents/logger.js';
import type { ChatGateway, MemberPermission, MessageAction, PostRequest } from '../agents/ports.js';
import type { ChannelRef } from '../agents/types.js';
import { NO_MENTIONS, actionRows } from './render.js';

const permissionFlags: Record<MemberPermission, bigint> = {
  ManageMessages: PermissionFlagsBits.ManageMessages,
  ManageChannels: PermissionFlagsBits.ManageChannels,
  ManageGuild: PermissionFlagsBits.ManageGuild,
};

/** Discord refusals that no retry can fix: missing permission, unknown channel or message, AutoMod. */
const FINAL_CODES = new Set([50013, 10003, 10008, 200000]);

/** Discord's limit on a thread's name. */
const THREAD_NAME_MAX = 100;

export interface DiscordRetryOptions {
  /** Retries after the first attempt (discord.js's own quick retries happen inside each). */
  retries: number;
  /** The first retry's delay; each next one is twice as long. */
  retryBaseMs: number;
}

/**
 * The engine's ChatGateway over discord.js. Posts go straight through the REST client (no
 * dependence on the channel cache, so threads and DMs work the same) with no mentions allowed.
 * A burst of 5xx outlasts discord.js's immediate retries, so posts and edits retry Discord's own
 * failures again here, with backoff; the nonce keeps a retried post single.
 * @see https://discord.com/developers/docs/resources/message#create-message
 */
export class DiscordChatGateway implements ChatGateway {
  constructor(
    private readonly client: Client,
    private readonly retry: DiscordRetryOptions,
    private readonly logger: Logger,
  ) {}

  async sendTyping(channelId: string): Promise<void> {
    await this.client.rest.post(Routes.channelTyping(channelId));
  }

  async postMessage(request: PostRequest): Promise<string> {
    const body = {
      content: request.content,
      nonce: request.nonce,
      // With enforce_nonce, a repeated post returns the first message instead of a duplicate.
      enforce_nonce: true,
      allowed_mentions: request.mentionRoleIds ? { parse: [], roles: request.mentionRoleIds } : NO_MENTIONS,
      ...(request.actions && { components: actionRows(request.actions) }),
      ...(request.replyTo && { message_reference: { message_id: request.replyTo, fail_if_not_exists: false } }),
      ...(request.silent && { flags: MessageFlags.SuppressNotifications }),
    };
    try {
      const message = (await this.retried('post', () => this.client.rest.post(Routes.channelMessages(request.channelId), { body }))) as { id: string };
      return message.id;
    } catch (error) {
      throw asPostRefusal(error, request.channelId);
    }
  }

  /**
   * Starts a public thread from a message. A retry after a lost answer finds the thread made
   * (160004): its id is the message's, so that is returned.
   * @see https://discord.com/developers/docs/resources/channel#start-thread-from-message
   */
  async describeChannel(channelId: string): Promise<{ kind: 'text' | 'thread' | 'dm' | 'other'; parentId: string | null }> {
    const channel = await this.client.channels.fetch(channelId);
    if (!channel) return { kind: 'other', parentId: null };
    if (channel.isThread()) return { kind: 'thread', parentId: channel.parentId };
    if (channel.isDMBased()) return { kind: 'dm', parentId: null };
    const isText = channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement;
    return { kind: isText ? 'text' : 'other', parentId: null };
  }

  async createThread(request: { channelId: string; messageId: string; name: string }): Promise<string> {
    const body = { name: threadName(request.name), auto_archive_duration: ThreadAutoArchiveDuration.OneDay };
    try {
      const thread = (await this.retried('thread', () => this.client.rest.post(Routes.threads(request.channelId, request.messageId), { body }))) as { id: string };
      return thread.id;
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage) return request.messageId;
      throw asThreadRefusal(error, request.channelId);
    }
  }

  async editMessage(request: { channelId: string; messageId: string; content: string; actions?: MessageAction[] }): Promise<void> {
    const body = { content: request.content, allowed_mentions: NO_MENTIONS, ...(request.actions && { components: actionRows(request.actions) }) };
    await this.retried('edit', () => this.client.rest.patch(Routes.channelMessage(request.channelId, request.messageId), { body }));
  }

  async deleteMessage(request: { channelId: string; messageId: string }): Promise<void> {
    await this.retried('delete', () => this.client.rest.delete(Routes.channelMessage(request.channelId, request.messageId)));
  }

  async react(request: { channelId: string; messageId: string; emoji: string; remove?: boolean }): Promise<void> {
    const route = Routes.channelMessageOwnReaction(request.channelId, request.messageId, encodeURIComponent(request.emoji));
    await this.retried('react', () => (request.remove ? this.client.rest.delete(route) : this.client.rest.put(route)));
  }

  async memberHasPermission(where: ChannelRef, userId: string, permission: MemberPermission): Promise<boolean> {
    if (!where.guildId) return true;
    const guild = await this.client.guilds.fetch(where.guildId);
    const member = await guild.members.fetch(userId);
    const channel = await guild.channels.fetch(where.channelId).catch(() => null);
    const permissions = channel ? channel.permissionsFor(member) : member.permissions;
    return permissions.has(permissionFlags[permission]);
  }

  private async retried<T>(action: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retry.retries) throw error;
        const waitMs = this.retry.retryBaseMs * 2 ** attempt;
        this.logger.warn({ err: error, action, attempt: attempt + 1, waitMs }, 'discord request failed, retrying');
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }
}

/** A name Discord accepts (1–100 characters): blanks collapsed, a longer one cut with an ellipsis. */
function threadName(name: string): string {
  const collapsed = name.replace(/\s+/g, ' ').trim();
  if (collapsed.length === 0) return 'helper';
  if (collapsed.length <= THREAD_NAME_MAX) return collapsed;
  let cut = '';
  // By code points, so an emoji is never split in half.
  for (const character of collapsed) {
    if (cut.length + character.length > THREAD_NAME_MAX - 1) break;
    cut += character;
  }
  return `${cut.trimEnd()}…`;
}

/** The channel cannot take posts any more (permission gone, channel gone): a ChatRefusal; anything else as it is. */
function asPostRefusal(error: unknown, channelId: string): unknown {
  if (!(error instanceof DiscordAPIError)) return error;
  const code = Number(error.code);
  if (code === RESTJSONErrorCodes.MissingPermissions || code === RESTJSONErrorCodes.MissingAccess) return new ChatRefusal(`I lack permission to post in <#${channelId}>`, { cause: error });
  if (code === RESTJSONErrorCodes.UnknownChannel) return new ChatRefusal(`<#${channelId}> no longer exists, or I cannot see it`, { cause: error });
  return error;
}

/** Discord's final refusals to start a thread, in words for people; anything else is returned as it is. */
function asThreadRefusal(error: unknown, channelId: string): unknown {
  if (!(error instanceof DiscordAPIError) || error.status < 400 || error.status >= 500 || error.status === 429) return error;
  const reason = threadRefusalReason(Number(error.code), channelId) ?? `Discord refused to start the thread: ${error.message}`;
  return new ChatRefusal(reason, { cause: error });
}

function threadRefusalReason(code: number, channelId: string): string | undefined {
  switch (code) {
    case RESTJSONErrorCodes.MissingPermissions:
    case RESTJSONErrorCodes.MissingAccess:
      return `I lack permission to create threads in <#${channelId}>`;
    case RESTJSONErrorCodes.MaximumActiveThreads:
    case RESTJSONErrorCodes.MaximumActiveAnnouncementThreads:
      return "this server has reached Discord's limit of active threads";
    case RESTJSONErrorCodes.InvalidActionOnArchivedThread:
      return `<#${channelId}> is archived, so no thread can be started there`;
    case RESTJSONErrorCodes.ThreadLocked:
      return `<#${channelId}> is locked, so no thread can be started there`;
    case RESTJSONErrorCodes.UnknownChannel:
      return `<#${channelId}> no longer exists, or I cannot see it`;
    case RESTJSONErrorCodes.UnknownMessage:
      return 'the message to start the thread from no longer exists';
    case RESTJSONErrorCodes.CannotExecuteActionOnThisChannelType:
      return `threads cannot be started in this kind of channel (<#${channelId}>)`;
    default:
      return undefined;
  }
}

/** Discord's own trouble (5xx, 429) and lost connections are worth another try; its refusals are not. */
function isRetryable(error: unknown): boolean {
  if (error instanceof DiscordAPIError) return !FINAL_CODES.has(Number(error.code)) && (error.status >= 500 || error.status === 429);
  if (error instanceof HTTPError) return error.status >= 500 || error.status === 429;
  if (error instanceof RateLimitError) return true;
  // A network failure or a request timeout: no answer came, so nothing was refused.
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TypeError' || 'code' in error);
}
