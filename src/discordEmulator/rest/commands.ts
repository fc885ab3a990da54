import type { EmulatorContext } from '../context.js';
import { deleteCommand, listCommands, overwriteCommands, patchCommand, requireCommand, upsertCommand } from '../domain/commands.js';
import { DiscordErrors } from '../errors.js';
import { bodyObject, json, noContent, param, type RestRequest, type RestRoute } from './types.js';

/** Checks `:applicationId` and the guild of guild routes; returns the scope (null = global). */
function scope(request: RestRequest, context: EmulatorContext): string | null {
  if (param(request, 'applicationId') !== context.state.application.id) throw DiscordErrors.unknownApplicationCommand();
  const guildId = request.params.guildId;
  if (guildId === undefined) return null;
  // Discord answers 50001 when the application is not in the guild.
  if (!context.state.botIsInGuild(guildId)) throw DiscordErrors.missingAccess();
  return guildId;
}

function routesFor(base: string): RestRoute[] {
  return [
    { method: 'GET', pattern: base, auth: 'bot', handle: (request, context) => json(listCommands(context, scope(request, context))) },
    { method: 'PUT', pattern: base, auth: 'bot', handle: (request, context) => json(overwriteCommands(context, scope(request, context), request.body)) },
    {
      method: 'POST',
      pattern: base,
      auth: 'bot',
      handle: (request, context) => {
        const { command, created } = upsertCommand(context, scope(request, context), bodyObject(request));
        return json(command, created ? 201 : 200);
      },
    },
    {
      method: 'GET',
      pattern: `${base}/:commandId`,
      auth: 'bot',
      handle: (request, context) => json(requireCommand(context, scope(request, context), param(request, 'commandId'))),
    },
    {
      method: 'PATCH',
      pattern: `${base}/:commandId`,
      auth: 'bot',
      handle: (request, context) => json(patchCommand(context, scope(request, context), param(request, 'commandId'), bodyObject(request))),
    },
    {
      method: 'DELETE',
      pattern: `${base}/:commandId`,
      auth: 'bot',
      handle: (request, context) => {
        deleteCommand(context, scope(request, context), param(request, 'commandId'));
        return noContent();
      },
    },
  ];
}

/**
 * Application commands, global and per guild, including PUT bulk overwrite (what deploy scripts use).
 * @see https://discord.com/developers/docs/interactions/application-commands#endpoints
 */
export const commandRoutes: RestRoute[] = [
  ...routesFor('/applications/:applicationId/commands'),
  ...routesFor('/applications/:applicationId/guilds/:guildId/commands'),
];
