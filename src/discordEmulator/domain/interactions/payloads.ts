import { randomBytes } from 'node:crypto';
import {
  ApplicationIntegrationType,
  InteractionContextType,
  InteractionType,
  Locale,
  type APIInteraction,
  type APIInteractionDataResolvedChannel,
  type APIInteractionDataResolvedGuildMember,
  type APIInteractionGuildMember,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../../context.js';
import { channelPermissions } from '../../permissions.js';
import type { ChannelRecord, InteractionRecord } from '../../records.js';
import { renderChannel } from '../../render/channels.js';
import { renderMemberWithoutUser } from '../../render/members.js';
import { renderMessage } from '../../render/messages.js';

/** Discord's default upload limit for guilds without boosts (10 MiB). */
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

/** What a new interaction is about. */
export interface InteractionSpec {
  type: InteractionType;
  channelId: string;
  userId: string;
  data: unknown;
  /** Command name or custom_id, for diagnostics and lookups. */
  name: string;
  /** The message a component sits on; sent as `message` (required by discord.js for components). */
  sourceMessageId?: string | null;
}

/** A guild member as interactions carry it: with `user` and their `permissions` in the channel. */
export function interactionMember(context: EmulatorContext, channel: ChannelRecord, userId: string): APIInteractionGuildMember | undefined {
  const guild = channel.guildId ? context.state.guilds.get(channel.guildId) : undefined;
  const member = guild?.members.get(userId);
  if (!member) return undefined;
  return {
    ...renderMemberWithoutUser(member),
    user: context.state.requireUser(userId),
    permissions: channelPermissions(context.state, userId, channel).toString(),
  };
}

/** A resolved member (no `user`; the user goes in `resolved.users`). */
export function resolvedMember(context: EmulatorContext, channel: ChannelRecord, userId: string): APIInteractionDataResolvedGuildMember | undefined {
  const member = interactionMember(context, channel, userId);
  if (!member) return undefined;
  const { user: _user, ...rest } = member;
  return rest;
}

/** A resolved channel as option values of type CHANNEL carry it. */
export function resolvedChannel(context: EmulatorContext, channel: ChannelRecord, forUserId: string): APIInteractionDataResolvedChannel {
  const resolved = {
    id: channel.id,
    type: channel.type,
    name: channel.name,
    permissions: channelPermissions(context.state, forUserId, channel).toString(),
  } as APIInteractionDataResolvedChannel;
  if (channel.parentId) Object.assign(resolved, { parent_id: channel.parentId });
  return resolved;
}

/**
 * Creates the interaction record and its INTERACTION_CREATE payload with every field current
 * discord.js dereferences: `entitlements` (since 14.15), `authorizing_integration_owners` (since
 * 14.27, `{"0": guild_id}` for a guild install), a `channel` object (`interaction.channelId` comes
 * from it), and `member` with `permissions` (or `user` in DMs).
 */
export function buildInteraction(context: EmulatorContext, spec: InteractionSpec): InteractionRecord {
  const { state } = context;
  const channel = state.requireChannel(spec.channelId);
  const user = state.requireUser(spec.userId);
  const id = state.ids.next();
  // Tokens travel in URL paths; keep them to characters discord-api-types does not encode.
  const token = `aW50ZXJhY3Rpb24.${randomBytes(48).toString('base64url')}`;
  const guildId = channel.guildId;
  const sourceMessage = spec.sourceMessageId ? state.messages.get(spec.sourceMessageId) : undefined;
  const payload: Record<string, unknown> = {
    id,
    application_id: state.application.id,
    type: spec.type,
    token,
    version: 1,
    data: spec.data,
    channel: renderChannel(state, channel),
    channel_id: channel.id,
    app_permissions: channelPermissions(state, state.botId, channel).toString(),
    locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: guildId ? { [ApplicationIntegrationType.GuildInstall]: guildId } : { [ApplicationIntegrationType.GuildInstall]: '0' },
    context: guildId ? InteractionContextType.Guild : InteractionContextType.BotDM,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
  };
  if (sourceMessage) payload.message = renderMessage(state, sourceMessage);
  if (guildId) {
    payload.guild_id = guildId;
    payload.guild_locale = Locale.EnglishUS;
    payload.guild = { id: guildId, locale: Locale.EnglishUS, features: [] };
    payload.member = interactionMember(context, channel, spec.userId);
  } else {
    payload.user = user;
  }
  return {
    id,
    token,
    type: spec.type,
    payload: payload as unknown as APIInteraction,
    channelId: channel.id,
    guildId,
    userId: spec.userId,
    createdAt: Date.now(),
    name: spec.name,
    sourceMessageId: sourceMessage?.id ?? null,
    callbacks: [],
    originalMessageId: null,
    followupMessageIds: [],
    autocompleteChoices: null,
    modal: null,
  };
}
