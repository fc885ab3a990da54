import {
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  type APIModalInteractionResponseCallbackData,
  type RESTPostAPIInteractionCallbackWithResponseResult,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../../context.js';
import { DiscordErrors, invalidFormBody, type FieldError } from '../../errors.js';
import type { UploadedFile } from '../../http/body.js';
import type { InteractionRecord, MessageRecord } from '../../records.js';
import { renderMessage } from '../../render/messages.js';
import { editMessage } from '../messageEdits.js';
import { toMessageInput } from '../messageInput.js';
import { createMessage } from '../messages.js';
import { badLength, maxLength } from '../validation.js';
import { responseMessageType } from './invoke.js';

/** Callback types Discord accepts for each interaction type. */
const VALID_CALLBACKS: Record<number, readonly InteractionResponseType[]> = {
  [InteractionType.Ping]: [InteractionResponseType.Pong],
  [InteractionType.ApplicationCommand]: [InteractionResponseType.ChannelMessageWithSource, InteractionResponseType.DeferredChannelMessageWithSource, InteractionResponseType.Modal],
  [InteractionType.MessageComponent]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.DeferredMessageUpdate,
    InteractionResponseType.UpdateMessage,
    InteractionResponseType.Modal,
  ],
  [InteractionType.ApplicationCommandAutocomplete]: [InteractionResponseType.ApplicationCommandAutocompleteResult],
  [InteractionType.ModalSubmit]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.DeferredMessageUpdate,
    InteractionResponseType.UpdateMessage,
  ],
};

function invalidCallbackType(): never {
  throw invalidFormBody([{ path: ['type'], code: 'INTERACTION_CALLBACK_TYPE_INVALID', message: 'Interaction callback type is not valid for this interaction' }]);
}

function validateModal(data: APIModalInteractionResponseCallbackData | undefined): APIModalInteractionResponseCallbackData {
  const errors: FieldError[] = [];
  if (!data) throw invalidFormBody([{ path: ['data'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
  if (typeof data.custom_id !== 'string' || data.custom_id.length < 1 || data.custom_id.length > 100) errors.push(badLength(['data', 'custom_id'], 1, 100));
  if (typeof data.title !== 'string' || data.title.length < 1 || data.title.length > 45) errors.push(badLength(['data', 'title'], 1, 45));
  if (!Array.isArray(data.components) || data.components.length < 1 || data.components.length > 5) errors.push(badLength(['data', 'components'], 1, 5));
  if (errors.length > 0) throw invalidFormBody(errors);
  return data;
}

/** The message a component (or a modal opened from one) sits on; type 6/7 act on it. */
function sourceMessage(context: EmulatorContext, interaction: InteractionRecord): MessageRecord {
  if (!interaction.sourceMessageId) invalidCallbackType();
  return context.state.requireMessage(interaction.sourceMessageId);
}

/**
 * POST /interactions/{id}/{token}/callback. Enforces Discord's rules: unknown or late (past the
 * configurable 3 s deadline) → 10062; second acknowledgement → 40060; callback type not valid for
 * the interaction → 50035. A failed callback (e.g. content over 2000) does not acknowledge.
 * Returns the `with_response` body (discord.js crashes on a 204 when it asked for one).
 * @see https://discord.com/developers/docs/interactions/receiving-and-responding#create-interaction-response
 */
export function handleInteractionCallback(
  context: EmulatorContext,
  interactionId: string,
  token: string,
  body: { type?: unknown; data?: unknown },
  files: readonly UploadedFile[],
): RESTPostAPIInteractionCallbackWithResponseResult {
  const { state, options } = context;
  const interaction = state.interactions.get(interactionId);
  if (!interaction || interaction.token !== token) throw DiscordErrors.unknownInteraction();
  if (interaction.callbacks.length > 0) throw DiscordErrors.alreadyAcknowledged();
  if (Date.now() - interaction.createdAt > options.timings.interactionDeadlineMs) throw DiscordErrors.unknownInteraction();
  const type = body.type as InteractionResponseType;
  if (!VALID_CALLBACKS[interaction.type]?.includes(type)) invalidCallbackType();
  const data = (body.data ?? {}) as Record<string, unknown>;
  const input = toMessageInput(data);
  const ephemeral = ((input.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
  const common = { channelId: interaction.channelId, author: { kind: 'user' as const, userId: state.botId }, origin: 'interaction' as const, interactionId: interaction.id, type: responseMessageType(interaction), ephemeralForUserId: ephemeral ? interaction.userId : null };
  let message: MessageRecord | undefined;
  switch (type) {
    case InteractionResponseType.ChannelMessageWithSource:
      message = createMessage(context, { ...common, input, files });
      interaction.originalMessageId = message.id;
      break;
    case InteractionResponseType.DeferredChannelMessageWithSource:
      // Only EPHEMERAL is allowed on a deferral; the "thinking" message is LOADING until @original is edited.
      message = createMessage(context, { ...common, input: { content: '' }, skipValidation: true, extraFlags: MessageFlags.Loading });
      interaction.originalMessageId = message.id;
      break;
    case InteractionResponseType.DeferredMessageUpdate:
      interaction.originalMessageId = sourceMessage(context, interaction).id;
      break;
    case InteractionResponseType.UpdateMessage:
      message = editMessage(context, { message: sourceMessage(context, interaction), input, files, origin: 'interaction' });
      interaction.originalMessageId = message.id;
      break;
    case InteractionResponseType.ApplicationCommandAutocompleteResult: {
      const choices = Array.isArray(data.choices) ? data.choices : [];
      if (choices.length > 25) throw invalidFormBody([maxLength(['data', 'choices'], 25)]);
      interaction.autocompleteChoices = choices;
      break;
    }
    case InteractionResponseType.Modal:
      interaction.modal = validateModal(body.data as APIModalInteractionResponseCallbackData | undefined);
      break;
    default:
      break;
  }
  interaction.callbacks.push({ type, data: body.data ?? null, at: Date.now() });
  context.events.record({ type: 'interactionResponded', interactionId: interaction.id, action: 'callback' });
  const result: RESTPostAPIInteractionCallbackWithResponseResult = {
    interaction: { id: interaction.id, type: interaction.type },
  };
  if (message) {
    result.interaction.response_message_id = message.id;
    result.interaction.response_message_loading = (message.flags & MessageFlags.Loading) !== 0;
    result.interaction.response_message_ephemeral = (message.flags & MessageFlags.Ephemeral) !== 0;
  }
  // Discord includes the message only for types 4 and 7.
  const carriesMessage = type === InteractionResponseType.ChannelMessageWithSource || type === InteractionResponseType.UpdateMessage;
  result.resource = carriesMessage && message ? { type, message: renderMessage(state, message) } : { type };
  return result;
}
