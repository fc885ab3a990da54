import { ChannelType, PermissionFlagsBits, type APIOverwrite } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { createGuildChannel, type GuildChannelSpec } from '../domain/channels.js';
import { DiscordErrors } from '../errors.js';
import { guildPermissions, hasPermissions } from '../permissions.js';
import type { GuildRecord } from '../records.js';
import { renderChannel, renderThread } from '../render/channels.js';
import { renderGuild } from '../render/guilds.js';
import { renderMember, renderRoles } from '../render/members.js';
import { bodyObject, json, param, type RestRequest, type RestRoute } from './types.js';

/** A guild the bot is in; others are 10004 (Discord does not reveal guilds a bot left). */
function botGuild(request: RestRequest, context: EmulatorContext): GuildRecord {
  const guildId = param(request, 'guildId');
  if (!context.state.botIsInGuild(guildId)) throw DiscordErrors.unknownGuild();
  return context.state.requireGuild(guildId);
}

const CREATABLE_TYPES = new Set<number>([ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildCategory, ChannelType.GuildVoice]);

export const guildRoutes: RestRoute[] = [
  { method: 'GET', pattern: '/guilds/:guildId', auth: 'bot', majorParameter: 'guildId', handle: (request, context) => json(renderGuild(context.state, botGuild(request, context))) },
  { method: 'GET', pattern: '/guilds/:guildId/roles', auth: 'bot', majorParameter: 'guildId', handle: (request, context) => json(renderRoles(botGuild(request, context))) },
  {
    method: 'GET',
    pattern: '/guilds/:guildId/channels',
    auth: 'bot',
    majorParameter: 'guildId',
    handle: (request, context) => json(context.state.guildChannels(botGuild(request, context).id).map((channel) => renderChannel(context.state, channel))),
  },
  {
    method: 'POST',
    pattern: '/guilds/:guildId/channels',
    auth: 'bot',
    majorParameter: 'guildId',
    handle: (request, context) => {
      const guild = botGuild(request, context);
      if (!hasPermissions(guildPermissions(guild, context.state.botId), PermissionFlagsBits.ManageChannels)) throw DiscordErrors.missingPermissions();
      const body = bodyObject(request);
      const type = (body.type as number | undefined) ?? ChannelType.GuildText;
      if (!CREATABLE_TYPES.has(type)) throw DiscordErrors.invalidChannelType();
      const spec: GuildChannelSpec = {
        guildId: guild.id,
        name: String(body.name ?? ''),
        type: type as GuildChannelSpec['type'],
        topic: typeof body.topic === 'string' ? body.topic : null,
        parentId: typeof body.parent_id === 'string' ? body.parent_id : null,
        permissionOverwrites: Array.isArray(body.permission_overwrites) ? (body.permission_overwrites as APIOverwrite[]) : [],
      };
      return json(renderChannel(context.state, createGuildChannel(context, spec)), 201);
    },
  },
  {
    method: 'GET',
    pattern: '/guilds/:guildId/members/:userId',
    auth: 'bot',
    majorParameter: 'guildId',
    handle: (request, context) => {
      const member = botGuild(request, context).members.get(param(request, 'userId'));
      if (!member) throw DiscordErrors.unknownMember();
      return json(renderMember(context.state, member));
    },
  },
  {
    method: 'GET',
    pattern: '/guilds/:guildId/members',
    auth: 'bot',
    majorParameter: 'guildId',
    handle: (request, context) => {
      const limit = Math.min(Number(request.query.get('limit') ?? 1), 1000);
      const after = request.query.get('after') ?? '0';
      const members = [...botGuild(request, context).members.values()]
        .filter((member) => BigInt(member.userId) > BigInt(after))
        .sort((left, right) => (BigInt(left.userId) < BigInt(right.userId) ? -1 : 1))
        .slice(0, limit);
      return json(members.map((member) => renderMember(context.state, member)));
    },
  },
  {
    method: 'GET',
    pattern: '/guilds/:guildId/threads/active',
    auth: 'bot',
    majorParameter: 'guildId',
    handle: (request, context) => {
      const guild = botGuild(request, context);
      const threads = [...context.state.channels.values()].filter((channel) => channel.guildId === guild.id && channel.thread && !channel.thread.archived);
      return json({ threads: threads.map((thread) => renderThread(context.state, thread)), members: [] });
    },
  },
];
