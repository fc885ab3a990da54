import {
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
  type APIGuild,
  type GatewayGuildCreateDispatchData,
} from 'discord-api-types/v10';
import type { GuildRecord } from '../records.js';
import type { EmulatorState } from '../state.js';
import { renderChannel, renderThread } from './channels.js';
import { renderMember, renderRoles } from './members.js';

/** A guild as GET /guilds/{id} returns it. */
export function renderGuild(state: EmulatorState, guild: GuildRecord): APIGuild {
  const firstText = state.guildChannels(guild.id).find((channel) => channel.type === 0);
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: renderRoles(guild),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: firstText?.id ?? null,
    system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotifications,
    rules_channel_id: null,
    vanity_url_code: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    max_members: 500_000,
  };
}

/**
 * GUILD_CREATE with everything discord.js needs for a useful cache: the @everyone role, the bot's
 * own member (for `guild.members.me` and permission checks), channels with their `type`, active threads.
 */
export function renderGuildCreate(state: EmulatorState, guild: GuildRecord): GatewayGuildCreateDispatchData {
  const joinedAt = guild.members.get(state.botId)?.joinedAt ?? new Date(guild.createdAt).toISOString();
  const channels = state.guildChannels(guild.id).map((channel) => renderChannel(state, channel));
  const threads = [...state.channels.values()]
    .filter((channel) => channel.guildId === guild.id && channel.thread !== null && !channel.thread.archived)
    .map((channel) => renderThread(state, channel));
  return {
    ...renderGuild(state, guild),
    joined_at: joinedAt,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: [...guild.members.values()].map((member) => renderMember(state, member)),
    channels: channels as GatewayGuildCreateDispatchData['channels'],
    threads: threads as GatewayGuildCreateDispatchData['threads'],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
