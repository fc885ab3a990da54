import { ApplicationFlags, type APIApplication } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { openDirectMessage } from '../domain/channels.js';
import { removeBotFromGuild } from '../domain/guilds.js';
import { DiscordErrors } from '../errors.js';
import { renderChannel } from '../render/channels.js';
import { bodyObject, json, noContent, param, type RestRoute } from './types.js';

/** GET /applications/@me — what `client.application.fetch()` reads (flags tell which privileged intents are on). */
function renderApplication(context: EmulatorContext): APIApplication {
  const { state } = context;
  const firstGuild = [...state.guilds.values()][0];
  return {
    id: state.application.id,
    name: state.application.name,
    icon: null,
    description: 'Discord emulator application',
    bot_public: true,
    bot_require_code_grant: false,
    bot: state.botUser,
    summary: '',
    verify_key: '0'.repeat(64),
    team: null,
    owner: firstGuild ? state.users.get(firstGuild.ownerId) : undefined,
    flags: state.application.flags as ApplicationFlags,
    flags_new: String(state.application.flags),
    approximate_guild_count: [...state.guilds.keys()].filter((id) => state.botIsInGuild(id)).length,
    interactions_endpoint_url: null,
  };
}

export const userRoutes: RestRoute[] = [
  { method: 'GET', pattern: '/users/@me', auth: 'bot', handle: (_request, context) => json(context.state.botUser) },
  { method: 'GET', pattern: '/users/:userId', auth: 'bot', handle: (request, context) => json(context.state.requireUser(param(request, 'userId'))) },
  {
    method: 'GET',
    pattern: '/users/@me/guilds',
    auth: 'bot',
    handle: (_request, context) =>
      json(
        [...context.state.guilds.values()]
          .filter((guild) => context.state.botIsInGuild(guild.id))
          .map((guild) => ({ id: guild.id, name: guild.name, icon: null, banner: null, owner: false, permissions: '0', features: [] })),
      ),
  },
  {
    method: 'DELETE',
    pattern: '/users/@me/guilds/:guildId',
    auth: 'bot',
    handle: (request, context) => {
      const guildId = param(request, 'guildId');
      if (!context.state.botIsInGuild(guildId)) throw DiscordErrors.unknownGuild();
      removeBotFromGuild(context, guildId);
      return noContent();
    },
  },
  {
    method: 'POST',
    pattern: '/users/@me/channels',
    auth: 'bot',
    handle: (request, context) => {
      const recipientId = bodyObject(request).recipient_id;
      if (typeof recipientId !== 'string') throw DiscordErrors.unknownUser();
      return json(renderChannel(context.state, openDirectMessage(context, recipientId)));
    },
  },
  { method: 'GET', pattern: '/applications/@me', auth: 'bot', handle: (_request, context) => json(renderApplication(context)) },
  { method: 'GET', pattern: '/oauth2/applications/@me', auth: 'bot', handle: (_request, context) => json(renderApplication(context)) },
];
