import { GatewayDispatchEvents, PermissionFlagsBits, ReactionType, type APIPartialEmoji } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DiscordErrors } from '../errors.js';
import { assertChannelPermissions } from '../permissions.js';
import type { MessageRecord } from '../records.js';
import { renderMember } from '../render/members.js';

/**
 * Parses the emoji of a reaction route: a unicode emoji (`👍`) or a custom one (`name:id`, also
 * accepted as `<:name:id>`). Returns the key reactions are grouped by.
 */
export function parseEmoji(value: string): { key: string; emoji: APIPartialEmoji } {
  const custom = /^<?a?:?([\w~-]+):(\d+)>?$/.exec(value);
  if (custom?.[1] && custom[2]) return { key: custom[2], emoji: { id: custom[2], name: custom[1] } };
  if (value.length === 0 || /^\d+$/.test(value)) throw DiscordErrors.unknownEmoji();
  return { key: value, emoji: { id: null, name: value } };
}

/** Adds `userId`'s reaction (idempotent) and dispatches MESSAGE_REACTION_ADD; needs Add Reactions and Read Message History. */
export function addReaction(context: EmulatorContext, message: MessageRecord, emojiText: string, userId: string): void {
  const { state } = context;
  const channel = state.requireChannel(message.channelId);
  if (channel.thread?.archived) throw DiscordErrors.archivedThread();
  assertChannelPermissions(state, userId, channel, PermissionFlagsBits.AddReactions | PermissionFlagsBits.ReadMessageHistory);
  const { key, emoji } = parseEmoji(emojiText);
  const reaction = message.reactions.get(key) ?? { emoji, userIds: new Set<string>() };
  message.reactions.set(key, reaction);
  if (reaction.userIds.has(userId)) return;
  reaction.userIds.add(userId);
  const guild = message.guildId ? state.guilds.get(message.guildId) : undefined;
  const member = guild?.members.get(userId);
  const authorId = message.author.kind === 'user' ? message.author.userId : undefined;
  context.gateway.dispatch(
    {
      t: GatewayDispatchEvents.MessageReactionAdd,
      d: {
        user_id: userId,
        channel_id: message.channelId,
        message_id: message.id,
        guild_id: message.guildId ?? undefined,
        member: member ? renderMember(state, member) : undefined,
        message_author_id: authorId,
        emoji: { ...emoji, name: emoji.name ?? null },
        burst: false,
        type: ReactionType.Normal,
      },
    },
    message.guildId,
  );
  context.events.record({ type: 'reactionAdded', messageId: message.id, userId, emoji: key });
}

/** Removes `userId`'s reaction and dispatches MESSAGE_REACTION_REMOVE; removing others' needs Manage Messages. */
export function removeReaction(context: EmulatorContext, message: MessageRecord, emojiText: string, userId: string, actorId: string): void {
  const { state } = context;
  if (userId !== actorId) assertChannelPermissions(state, actorId, state.requireChannel(message.channelId), PermissionFlagsBits.ManageMessages);
  const { key, emoji } = parseEmoji(emojiText);
  const reaction = message.reactions.get(key);
  if (!reaction?.userIds.delete(userId)) return;
  context.gateway.dispatch(
    {
      t: GatewayDispatchEvents.MessageReactionRemove,
      d: {
        user_id: userId,
        channel_id: message.channelId,
        message_id: message.id,
        guild_id: message.guildId ?? undefined,
        emoji: { ...emoji, name: emoji.name ?? null },
        burst: false,
        type: ReactionType.Normal,
      },
    },
    message.guildId,
  );
  context.events.record({ type: 'reactionRemoved', messageId: message.id, userId, emoji: key });
}
