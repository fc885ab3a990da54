import { InteractionResponseType, MessageFlags } from 'discord-api-types/v10';
import type { EmulatorContext } from '../../context.js';
import { DiscordErrors } from '../../errors.js';
import type { UploadedFile } from '../../http/body.js';
import type { InteractionRecord, MessageRecord } from '../../records.js';
import { deleteMessage, editMessage } from '../messageEdits.js';
import type { MessageInput } from '../messageInput.js';
import { createMessage } from '../messages.js';
import { responseMessageType } from './invoke.js';

/**
 * The interaction behind an interaction webhook token (`/webhooks/{application.id}/{token}`), or
 * 10015 for an unknown token and 50027 once the token's 15 minutes (configurable) are over.
 */
export function requireInteractionByToken(context: EmulatorContext, token: string): InteractionRecord {
  const interaction = context.state.findInteractionByToken(token);
  if (!interaction) throw DiscordErrors.unknownWebhook();
  if (Date.now() - interaction.createdAt > context.options.timings.interactionTokenLifetimeMs) throw DiscordErrors.invalidWebhookToken();
  return interaction;
}

/** The message `@original` or a followup id refers to, or 10008. */
export function requireInteractionMessage(context: EmulatorContext, interaction: InteractionRecord, messageId: string): MessageRecord {
  const id = messageId === '@original' ? interaction.originalMessageId : messageId;
  if (id === null || (id !== interaction.originalMessageId && !interaction.followupMessageIds.includes(id))) throw DiscordErrors.unknownMessage();
  return context.state.requireMessage(id);
}

/** PATCH @original or a followup. Resolving a deferred response clears LOADING. */
export function editInteractionMessage(context: EmulatorContext, interaction: InteractionRecord, messageId: string, input: MessageInput, files: readonly UploadedFile[]): MessageRecord {
  const message = requireInteractionMessage(context, interaction, messageId);
  const edited = editMessage(context, { message, input, files, origin: 'interaction', clearFlags: MessageFlags.Loading });
  const action = message.id === interaction.originalMessageId ? 'originalEdited' : 'followupEdited';
  context.events.record({ type: 'interactionResponded', interactionId: interaction.id, action });
  return edited;
}

/** DELETE @original or a followup. */
export function deleteInteractionMessage(context: EmulatorContext, interaction: InteractionRecord, messageId: string): void {
  const message = requireInteractionMessage(context, interaction, messageId);
  deleteMessage(context, message);
  const action = message.id === interaction.originalMessageId ? 'originalDeleted' : 'followupDeleted';
  context.events.record({ type: 'interactionResponded', interactionId: interaction.id, action });
}

/**
 * POST /webhooks/{app}/{token}: a followup. Needs an acknowledged interaction (10015 before). Right
 * after a type-5 deferral the first followup edits the "thinking" message instead, as Discord
 * documents (deprecated behaviour, still live).
 * @see https://discord.com/developers/docs/interactions/receiving-and-responding#create-followup-message
 */
export function createFollowup(context: EmulatorContext, interaction: InteractionRecord, input: MessageInput, files: readonly UploadedFile[]): MessageRecord {
  if (interaction.callbacks.length === 0) throw DiscordErrors.unknownWebhook();
  const original = interaction.originalMessageId ? context.state.messages.get(interaction.originalMessageId) : undefined;
  const deferred = interaction.callbacks[0]?.type === InteractionResponseType.DeferredChannelMessageWithSource;
  if (deferred && original && original.deletedAt === null && (original.flags & MessageFlags.Loading) !== 0) {
    return editInteractionMessage(context, interaction, original.id, input, files);
  }
  const ephemeral = ((input.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
  const message = createMessage(context, {
    channelId: interaction.channelId,
    author: { kind: 'user', userId: context.state.botId },
    origin: 'interaction',
    input,
    files,
    type: responseMessageType(interaction),
    interactionId: interaction.id,
    ephemeralForUserId: ephemeral ? interaction.userId : null,
  });
  interaction.followupMessageIds.push(message.id);
  context.events.record({ type: 'interactionResponded', interactionId: interaction.id, action: 'followupCreated' });
  return message;
}
