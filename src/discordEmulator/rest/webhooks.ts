import type { EmulatorContext } from '../context.js';
import {
  createFollowup,
  deleteInteractionMessage,
  editInteractionMessage,
  requireInteractionByToken,
  requireInteractionMessage,
} from '../domain/interactions/webhookMessages.js';
import { deleteMessage, editMessage } from '../domain/messageEdits.js';
import { toMessageInput } from '../domain/messageInput.js';
import { createWebhook, deleteWebhook, executeWebhook, renderWebhook, requireWebhook } from '../domain/webhooks.js';
import { DiscordErrors } from '../errors.js';
import type { InteractionRecord, MessageRecord, WebhookRecord } from '../records.js';
import { renderMessage } from '../render/messages.js';
import { visibleChannel } from './channels.js';
import { bodyObject, json, noContent, param, queryFlag, type RestRequest, type RestRoute } from './types.js';

/**
 * `/webhooks/{id}/{token}` serves two things: interaction webhooks (id = application id, token =
 * interaction token: followups and `@original`) and channel webhooks.
 */
type WebhookTarget = { kind: 'interaction'; interaction: InteractionRecord } | { kind: 'channel'; webhook: WebhookRecord };

function target(request: RestRequest, context: EmulatorContext): WebhookTarget {
  const webhookId = param(request, 'webhookId');
  const token = param(request, 'token');
  if (webhookId === context.state.application.id) return { kind: 'interaction', interaction: requireInteractionByToken(context, token) };
  return { kind: 'channel', webhook: requireWebhook(context, webhookId, token) };
}

function channelWebhookMessage(context: EmulatorContext, webhook: WebhookRecord, messageId: string): MessageRecord {
  const message = context.state.requireMessage(messageId);
  if (message.webhookId !== webhook.id) throw DiscordErrors.unknownMessage();
  return message;
}

const messagePattern = '/webhooks/:webhookId/:token/messages/:messageId';

export const webhookRoutes: RestRoute[] = [
  {
    method: 'POST',
    pattern: '/channels/:channelId/webhooks',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const webhook = createWebhook(context, channel.id, bodyObject(request).name, context.state.botId);
      return json(renderWebhook(context, webhook, true));
    },
  },
  {
    method: 'GET',
    pattern: '/channels/:channelId/webhooks',
    auth: 'bot',
    majorParameter: 'channelId',
    handle: (request, context) => {
      const channel = visibleChannel(request, context);
      const webhooks = [...context.state.webhooks.values()].filter((webhook) => webhook.channelId === channel.id);
      return json(webhooks.map((webhook) => renderWebhook(context, webhook, true)));
    },
  },
  { method: 'GET', pattern: '/webhooks/:webhookId', auth: 'bot', majorParameter: 'webhookId', handle: (request, context) => json(renderWebhook(context, requireWebhook(context, param(request, 'webhookId')), true)) },
  {
    method: 'DELETE',
    pattern: '/webhooks/:webhookId',
    auth: 'bot',
    majorParameter: 'webhookId',
    handle: (request, context) => {
      deleteWebhook(context, requireWebhook(context, param(request, 'webhookId')));
      return noContent();
    },
  },
  {
    method: 'GET',
    pattern: '/webhooks/:webhookId/:token',
    auth: 'none',
    majorParameter: 'webhookId',
    handle: (request, context) => {
      const found = target(request, context);
      if (found.kind === 'interaction') throw DiscordErrors.unknownWebhook();
      return json(renderWebhook(context, found.webhook, false));
    },
  },
  {
    method: 'POST',
    pattern: '/webhooks/:webhookId/:token',
    auth: 'none',
    majorParameter: 'webhookId',
    handle: (request, context) => {
      const found = target(request, context);
      const body = bodyObject(request);
      const input = toMessageInput(body);
      if (found.kind === 'interaction') return json(renderMessage(context.state, createFollowup(context, found.interaction, input, request.files)));
      const message = executeWebhook(context, found.webhook, input, request.files, { username: body.username, avatarUrl: body.avatar_url, threadId: request.query.get('thread_id') });
      return queryFlag(request, 'wait') ? json(renderMessage(context.state, message)) : noContent();
    },
  },
  {
    method: 'GET',
    pattern: messagePattern,
    auth: 'none',
    majorParameter: 'webhookId',
    handle: (request, context) => {
      const found = target(request, context);
      const messageId = param(request, 'messageId');
      const message = found.kind === 'interaction' ? requireInteractionMessage(context, found.interaction, messageId) : channelWebhookMessage(context, found.webhook, messageId);
      return json(renderMessage(context.state, message));
    },
  },
  {
    method: 'PATCH',
    pattern: messagePattern,
    auth: 'none',
    majorParameter: 'webhookId',
    handle: (request, context) => {
      const found = target(request, context);
      const messageId = param(request, 'messageId');
      const input = toMessageInput(bodyObject(request));
      const edited =
        found.kind === 'interaction'
          ? editInteractionMessage(context, found.interaction, messageId, input, request.files)
          : editMessage(context, { message: channelWebhookMessage(context, found.webhook, messageId), input, files: request.files, origin: 'webhook' });
      return json(renderMessage(context.state, edited));
    },
  },
  {
    method: 'DELETE',
    pattern: messagePattern,
    auth: 'none',
    majorParameter: 'webhookId',
    handle: (request, context) => {
      const found = target(request, context);
      const messageId = param(request, 'messageId');
      if (found.kind === 'interaction') deleteInteractionMessage(context, found.interaction, messageId);
      else deleteMessage(context, channelWebhookMessage(context, found.webhook, messageId));
      return noContent();
    },
  },
];
