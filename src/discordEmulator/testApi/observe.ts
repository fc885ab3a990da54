import { InteractionResponseType, InteractionType, MessageFlags, type APIMessage } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import type { InteractionCallbackRecord, MessageRevision } from '../records.js';
import { renderMessage } from '../render/messages.js';

/** Options of {@link channelMessages}. */
export interface ChannelMessagesOptions {
  /** Include ephemeral messages (visible only to one user). Default false: what everyone sees. */
  includeEphemeral?: boolean;
}

/** A channel's (or thread's, or DM's) live messages, oldest first, as users see them now (after edits). */
export function channelMessages(context: EmulatorContext, channelId: string, options: ChannelMessagesOptions = {}): APIMessage[] {
  context.state.requireChannel(channelId);
  return context.state
    .liveMessages(channelId)
    .filter((message) => options.includeEphemeral === true || message.ephemeralForUserId === null)
    .map((message) => renderMessage(context.state, message));
}

/** A live (not deleted) message as users see it now. */
export function liveMessage(context: EmulatorContext, messageId: string): APIMessage | undefined {
  const message = context.state.messages.get(messageId);
  return message && message.deletedAt === null ? renderMessage(context.state, message) : undefined;
}

/** A message's edit history and whether it was deleted. */
export interface MessageHistory {
  /** The message now (or when it was deleted). */
  current: APIMessage;
  /** Earlier versions, oldest first, each with when it was replaced. */
  revisions: MessageRevision[];
  deleted: boolean;
}

/** The edit history of a message, or undefined for an unknown id. */
export function messageHistory(context: EmulatorContext, messageId: string): MessageHistory | undefined {
  const message = context.state.messages.get(messageId);
  if (!message) return undefined;
  return { current: renderMessage(context.state, message), revisions: [...message.revisions], deleted: message.deletedAt !== null };
}

/** Everything the bot did with one interaction. */
export interface InteractionResponses {
  interactionId: string;
  type: InteractionType;
  /** Command name or custom_id. */
  name: string;
  userId: string;
  channelId: string;
  /** Callbacks received, in order (a second one is rejected with 40060 and not recorded). */
  callbacks: InteractionCallbackRecord[];
  acknowledged: boolean;
  /** Answered with type 5 (a "thinking" message) or 6 (deferred update). */
  deferred: boolean;
  /** The message `@original` refers to now (after edits), if any. */
  original: APIMessage | null;
  /** Whether the original response is ephemeral (flag 64). */
  ephemeral: boolean;
  /** Followup messages as they are now; deleted ones are left out. */
  followups: APIMessage[];
  /** Choices sent to an autocomplete interaction. */
  autocompleteChoices: unknown[] | null;
  /** The modal shown (type 9), if any. */
  modal: unknown;
}

/** What the bot answered to `interactionId`; throws for an unknown id. */
export function interactionResponses(context: EmulatorContext, interactionId: string): InteractionResponses {
  const interaction = context.state.interactions.get(interactionId);
  if (!interaction) throw new Error(`Unknown interaction ${interactionId}`);
  const live = (id: string) => {
    const message = context.state.messages.get(id);
    return message && message.deletedAt === null ? renderMessage(context.state, message) : null;
  };
  const original = interaction.originalMessageId ? live(interaction.originalMessageId) : null;
  const first = interaction.callbacks[0]?.type;
  return {
    interactionId: interaction.id,
    type: interaction.type,
    name: interaction.name,
    userId: interaction.userId,
    channelId: interaction.channelId,
    callbacks: [...interaction.callbacks],
    acknowledged: interaction.callbacks.length > 0,
    deferred: first === InteractionResponseType.DeferredChannelMessageWithSource || first === InteractionResponseType.DeferredMessageUpdate,
    original,
    ephemeral: original !== null && ((original.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
    followups: interaction.followupMessageIds.flatMap((id) => live(id) ?? []),
    autocompleteChoices: interaction.autocompleteChoices,
    modal: interaction.modal,
  };
}

/** The control API's `GET /_control/state`. */
export interface StateSummary {
  bot: { id: string };
  guilds: Array<{ id: string; name: string; channels: Array<{ id: string; name: string; type: number }> }>;
  users: Array<{ id: string; username: string }>;
}

/** The bot, guilds with their channels, and users. */
export function describeState(context: EmulatorContext): StateSummary {
  const { state } = context;
  return {
    bot: { id: state.botId },
    guilds: [...state.guilds.values()].map((guild) => ({
      id: guild.id,
      name: guild.name,
      channels: state.guildChannels(guild.id).map((channel) => ({ id: channel.id, name: channel.name, type: channel.type })),
    })),
    users: [...state.users.values()].map((user) => ({ id: user.id, username: user.username })),
  };
}
