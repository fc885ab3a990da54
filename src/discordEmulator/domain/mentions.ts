import { AllowedMentionsTypes, PermissionFlagsBits, type APIAllowedMentions } from 'discord-api-types/v10';
import { channelPermissions, hasPermissions } from '../permissions.js';
import type { ChannelRecord } from '../records.js';
import type { EmulatorState } from '../state.js';

/** Mentions written in a message's text. */
export interface ContentMentions {
  userIds: string[];
  roleIds: string[];
  /** `@everyone` or `@here` appears in the text. */
  everyone: boolean;
}

/** Who a message actually notifies once `allowed_mentions` and permissions are applied. */
export interface ResolvedPings {
  userIds: string[];
  roleIds: string[];
  everyone: boolean;
}

/** Parses `<@id>`, `<@!id>`, `<@&id>`, `@everyone` and `@here`, keeping only ids that exist. */
export function parseContentMentions(state: EmulatorState, content: string, guildId: string | null): ContentMentions {
  const userIds = new Set<string>();
  for (const match of content.matchAll(/<@!?(\d{1,20})>/g)) {
    const id = match[1];
    if (id !== undefined && state.users.has(id)) userIds.add(id);
  }
  const roles = guildId ? state.guilds.get(guildId)?.roles : undefined;
  const roleIds = new Set<string>();
  for (const match of content.matchAll(/<@&(\d{1,20})>/g)) {
    const id = match[1];
    if (id !== undefined && roles?.has(id)) roleIds.add(id);
  }
  return { userIds: [...userIds], roleIds: [...roleIds], everyone: /@(everyone|here)\b/.test(content) };
}

/** Inputs of {@link resolvePings}. */
export interface PingContext {
  state: EmulatorState;
  channel: ChannelRecord;
  authorId: string | null;
  mentions: ContentMentions;
  allowedMentions: APIAllowedMentions | null | undefined;
  /** What is parsed when `allowed_mentions` is absent: everything for normal messages, only users for webhooks and interactions. */
  defaultParse: readonly AllowedMentionsTypes[];
  /** Author of the replied-to message, if this is a reply. */
  repliedUserId: string | null;
}

/**
 * Applies Discord's `allowed_mentions` rules: `parse` enables a kind wholesale, `users`/`roles`
 * whitelist ids (ids not in the text are ignored), `replied_user` decides the reply ping (default:
 * pinged when `allowed_mentions` is absent, not pinged when it is given). Role pings need a
 * mentionable role or Mention Everyone; `@everyone` needs Mention Everyone.
 * @see https://discord.com/developers/docs/resources/message#allowed-mentions-object
 */
export function resolvePings(context: PingContext): ResolvedPings {
  const { state, channel, authorId, mentions, allowedMentions, defaultParse, repliedUserId } = context;
  const parse = allowedMentions ? allowedMentions.parse ?? [] : defaultParse;
  const userWhitelist = new Set(allowedMentions?.users ?? []);
  const roleWhitelist = new Set(allowedMentions?.roles ?? []);
  const canMentionEveryone =
    authorId !== null && hasPermissions(channelPermissions(state, authorId, channel), PermissionFlagsBits.MentionEveryone);

  const userIds = mentions.userIds.filter((id) => parse.includes(AllowedMentionsTypes.User) || userWhitelist.has(id));
  const guildRoles = channel.guildId ? state.guilds.get(channel.guildId)?.roles : undefined;
  const roleIds = mentions.roleIds.filter((id) => {
    const allowed = parse.includes(AllowedMentionsTypes.Role) || roleWhitelist.has(id);
    return allowed && (guildRoles?.get(id)?.mentionable === true || canMentionEveryone);
  });
  const everyone = mentions.everyone && parse.includes(AllowedMentionsTypes.Everyone) && canMentionEveryone;
  const pingReplied = allowedMentions ? allowedMentions.replied_user === true : true;
  if (repliedUserId !== null && pingReplied && repliedUserId !== authorId && !userIds.includes(repliedUserId)) {
    userIds.push(repliedUserId);
  }
  return { userIds: userIds.filter((id) => id !== authorId), roleIds, everyone };
}
