import { randomBytes } from 'node:crypto';
import { PermissionFlagsBits, WebhookType, type APIWebhook } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DiscordErrors, invalidFormBody } from '../errors.js';
import type { UploadedFile } from '../http/body.js';
import { assertChannelPermissions } from '../permissions.js';
import type { MessageRecord, WebhookRecord } from '../records.js';
import type { MessageInput } from './messageInput.js';
import { createMessage } from './messages.js';
import { badLength } from './validation.js';

/** The webhook object Discord returns (with `token` for incoming webhooks). */
export function renderWebhook(context: EmulatorContext, webhook: WebhookRecord, includeToken: boolean): APIWebhook {
  const rendered: APIWebhook = {
    id: webhook.id,
    type: WebhookType.Incoming,
    guild_id: webhook.guildId,
    channel_id: webhook.channelId,
    name: webhook.name,
    avatar: webhook.avatar,
    application_id: null,
    user: context.state.users.get(webhook.creatorId),
  };
  if (includeToken) rendered.token = webhook.token;
  return rendered;
}

/** POST /channels/{id}/webhooks: needs Manage Webhooks; names 1–80 and not containing "discord". */
export function createWebhook(context: EmulatorContext, channelId: string, name: unknown, creatorId: string): WebhookRecord {
  const { state } = context;
  const channel = state.requireChannel(channelId);
  if (channel.guildId === null || channel.thread !== null) throw DiscordErrors.invalidChannelType();
  assertChannelPermissions(state, creatorId, channel, PermissionFlagsBits.ManageWebhooks);
  if (typeof name !== 'string' || name.length < 1 || name.length > 80) throw invalidFormBody([badLength(['name'], 1, 80)]);
  if (name.toLowerCase().includes('discord')) throw invalidFormBody([{ path: ['name'], code: 'WEBHOOK_INVALID_USERNAME', message: 'Username cannot contain "discord"' }]);
  const webhook: WebhookRecord = { id: state.ids.next(), token: randomBytes(34).toString('base64url'), channelId, guildId: channel.guildId, name, avatar: null, creatorId };
  state.webhooks.set(webhook.id, webhook);
  context.events.record({ type: 'webhookCreated', webhookId: webhook.id, channelId });
  return webhook;
}

/** DELETE /webhooks/{id}. */
export function deleteWebhook(context: EmulatorContext, webhook: WebhookRecord): void {
  context.state.webhooks.delete(webhook.id);
  context.events.record({ type: 'webhookDeleted', webhookId: webhook.id, channelId: webhook.channelId });
}

/** The webhook `id`, checking `token` when given (10015 unknown, 50027 wrong token). */
export function requireWebhook(context: EmulatorContext, id: string, token?: string): WebhookRecord {
  const webhook = context.state.webhooks.get(id);
  if (!webhook) throw DiscordErrors.unknownWebhook();
  if (token !== undefined && token !== webhook.token) throw DiscordErrors.invalidWebhookToken();
  return webhook;
}

/** Options of executing a webhook. */
export interface ExecuteWebhookOptions {
  username?: unknown;
  avatarUrl?: unknown;
  /** Post into this thread of the webhook's channel (query `thread_id`). */
  threadId?: string | null;
}

/** POST /webhooks/{id}/{token}: posts as the webhook, optionally under another name/avatar or into a thread. */
export function executeWebhook(context: EmulatorContext, webhook: WebhookRecord, input: MessageInput, files: readonly UploadedFile[], options: ExecuteWebhookOptions): MessageRecord {
  let channelId = webhook.channelId;
  if (options.threadId) {
    const thread = context.state.requireChannel(options.threadId);
    if (thread.parentId !== webhook.channelId || thread.thread === null) throw DiscordErrors.unknownChannel();
    channelId = thread.id;
  }
  if (options.username !== undefined && (typeof options.username !== 'string' || options.username.length < 1 || options.username.length > 80)) {
    throw invalidFormBody([badLength(['username'], 1, 80)]);
  }
  const username = typeof options.username === 'string' ? options.username : webhook.name;
  const avatar = typeof options.avatarUrl === 'string' ? options.avatarUrl : webhook.avatar;
  return createMessage(context, { channelId, author: { kind: 'webhook', webhookId: webhook.id, username, avatar }, origin: 'webhook', input, files });
}
