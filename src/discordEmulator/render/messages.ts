import {
  InteractionType,
  type APIMessage,
  type APIMessageInteractionMetadata,
  type APIReaction,
  type APIUser,
  type APIUserWithMember,
  type GatewayMessageCreateDispatchData,
  type TextChannelType,
} from 'discord-api-types/v10';
import type { InteractionRecord, MessageRecord } from '../records.js';
import type { EmulatorState } from '../state.js';
import { renderThread } from './channels.js';
import { renderMemberWithoutUser } from './members.js';

/** The author as a user object; webhook messages get a pseudo-user named as the webhook posted. */
export function renderAuthor(state: EmulatorState, message: MessageRecord): APIUser {
  if (message.author.kind === 'webhook') {
    return {
      id: message.author.webhookId,
      username: message.author.username,
      avatar: message.author.avatar,
      discriminator: '0000',
      global_name: null,
      bot: true,
    };
  }
  return state.requireUser(message.author.userId);
}

function renderInteractionMetadata(state: EmulatorState, interaction: InteractionRecord, message: MessageRecord): APIMessageInteractionMetadata {
  const user = state.requireUser(interaction.userId);
  const owners = interaction.payload.authorizing_integration_owners;
  const original = interaction.originalMessageId !== null && interaction.originalMessageId !== message.id ? interaction.originalMessageId : undefined;
  if (interaction.type === InteractionType.MessageComponent) {
    return {
      id: interaction.id,
      type: InteractionType.MessageComponent,
      user,
      authorizing_integration_owners: owners,
      interacted_message_id: interaction.sourceMessageId ?? message.id,
      original_response_message_id: original,
    };
  }
  if (interaction.type === InteractionType.ModalSubmit) {
    return {
      id: interaction.id,
      type: InteractionType.ModalSubmit,
      user,
      authorizing_integration_owners: owners,
      original_response_message_id: original,
      triggering_interaction_metadata: { id: interaction.id, type: InteractionType.ApplicationCommand, user, authorizing_integration_owners: owners },
    };
  }
  return { id: interaction.id, type: InteractionType.ApplicationCommand, user, authorizing_integration_owners: owners, original_response_message_id: original };
}

function renderReactions(state: EmulatorState, message: MessageRecord): APIReaction[] | undefined {
  if (message.reactions.size === 0) return undefined;
  return [...message.reactions.values()]
    .filter((reaction) => reaction.userIds.size > 0)
    .map((reaction) => ({
      emoji: { ...reaction.emoji },
      count: reaction.userIds.size,
      count_details: { burst: 0, normal: reaction.userIds.size },
      me: reaction.userIds.has(state.botId),
      me_burst: false,
      burst_colors: [],
    }));
}

/**
 * A message as a user with full access sees it now (REST shape, no `guild_id`/`member`).
 * `includeReferenced` stops the recursion of `referenced_message` at one level, as Discord does.
 */
export function renderMessage(state: EmulatorState, message: MessageRecord, includeReferenced = true): APIMessage {
  const rendered: APIMessage = {
    id: message.id,
    channel_id: message.channelId,
    author: renderAuthor(state, message),
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
    tts: message.tts,
    mention_everyone: message.mentionEveryone,
    mentions: message.mentionUserIds.flatMap((id) => state.users.get(id) ?? []),
    mention_roles: [...message.mentionRoleIds],
    attachments: message.attachments.map((attachment) => ({ ...attachment })),
    embeds: structuredClone(message.embeds),
    components: structuredClone(message.components),
    pinned: message.pinned,
    type: message.type,
    flags: message.flags,
  };
  if (message.nonce !== null) rendered.nonce = message.nonce;
  if (message.webhookId !== null) rendered.webhook_id = message.webhookId;
  if (message.applicationId !== null) rendered.application_id = message.applicationId;
  if (message.poll !== null) rendered.poll = structuredClone(message.poll);
  if (message.reference !== null) {
    rendered.message_reference = { ...message.reference };
    if (includeReferenced && message.reference.message_id !== undefined && message.type === 19) {
      const referenced = state.messages.get(message.reference.message_id);
      rendered.referenced_message = referenced && referenced.deletedAt === null ? renderMessage(state, referenced, false) : null;
    }
  }
  const interaction = message.interaction ? state.interactions.get(message.interaction.interactionId) : undefined;
  if (interaction) rendered.interaction_metadata = renderInteractionMetadata(state, interaction, message);
  const reactions = renderReactions(state, message);
  if (reactions) rendered.reactions = reactions;
  const thread = state.channels.get(message.id);
  if (thread?.thread && thread.parentId === message.channelId) rendered.thread = renderThread(state, thread);
  const channel = state.channels.get(message.channelId);
  if (channel?.thread) rendered.position = Math.max(0, state.liveMessages(channel.id).findIndex((item) => item.id === message.id));
  return rendered;
}

/**
 * A MESSAGE_CREATE / MESSAGE_UPDATE payload: the message plus `guild_id`, the author's `member`
 * (without `user`) and members on the mentioned users.
 */
export function renderGatewayMessage(state: EmulatorState, message: MessageRecord): GatewayMessageCreateDispatchData {
  const base = renderMessage(state, message);
  // discord.js types an uncached DM channel from `channel_type`; without it DM messages are dropped.
  const channelType = state.channels.get(message.channelId)?.type as TextChannelType | undefined;
  const guild = message.guildId ? state.guilds.get(message.guildId) : undefined;
  if (!guild) return { ...base, channel_type: channelType };
  const mentions: APIUserWithMember[] = base.mentions.map((user) => {
    const member = guild.members.get(user.id);
    return member ? { ...user, member: renderMemberWithoutUser(member) } : user;
  });
  const authorMember = message.author.kind === 'user' ? guild.members.get(message.author.userId) : undefined;
  const payload: GatewayMessageCreateDispatchData = { ...base, guild_id: guild.id, channel_type: channelType, mentions };
  if (authorMember) payload.member = renderMemberWithoutUser(authorMember);
  return payload;
}
