import { randomUUID } from 'node:crypto';
import { GatewayDispatchEvents, type APIRole, type APIUser, type RoleFlags } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DEFAULT_EVERYONE_PERMISSIONS, toPermissionBits } from '../permissions.js';
import type { GuildRecord, MemberRecord } from '../records.js';
import { renderGuildCreate } from '../render/guilds.js';
import { renderMember } from '../render/members.js';

/** Creates a user (or another bot) that tests can act as. */
export function createUser(context: EmulatorContext, spec: { username: string; globalName?: string | null; bot?: boolean }): APIUser {
  const user: APIUser = {
    id: context.state.ids.next(),
    username: spec.username,
    discriminator: '0',
    global_name: spec.globalName ?? null,
    avatar: null,
    bot: spec.bot ?? false,
  };
  context.state.users.set(user.id, user);
  context.events.record({ type: 'userCreated', userId: user.id });
  return user;
}

/** Builds a role object with Discord's fields. */
export function buildRole(id: string, spec: { name: string; permissions: bigint; position: number; mentionable?: boolean; managed?: boolean }): APIRole {
  return {
    id,
    name: spec.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: spec.position,
    permissions: spec.permissions.toString(),
    managed: spec.managed ?? false,
    mentionable: spec.mentionable ?? false,
    flags: 0 as RoleFlags,
  };
}

/** Creates a guild owned by `ownerId` with its @everyone role; the bot is not in it until {@link addMember}. */
export function createGuild(context: EmulatorContext, spec: { name: string; ownerId: string; everyonePermissions?: bigint }): GuildRecord {
  const { state } = context;
  state.requireUser(spec.ownerId);
  const id = state.ids.next();
  const guild: GuildRecord = { id, name: spec.name, ownerId: spec.ownerId, createdAt: Date.now(), roles: new Map(), members: new Map() };
  // discord.js computes every permission from the role whose id is the guild id.
  guild.roles.set(id, buildRole(id, { name: '@everyone', permissions: spec.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS, position: 0 }));
  state.guilds.set(id, guild);
  guild.members.set(spec.ownerId, { userId: spec.ownerId, roleIds: [], nick: null, joinedAt: new Date().toISOString() });
  context.events.record({ type: 'guildCreated', guildId: id });
  return guild;
}

/** Creates a role and dispatches GUILD_ROLE_CREATE. */
export function createRole(
  context: EmulatorContext,
  spec: { guildId: string; name: string; permissions: bigint | readonly bigint[] | string; mentionable?: boolean; managed?: boolean },
): APIRole {
  const guild = context.state.requireGuild(spec.guildId);
  const role = buildRole(context.state.ids.next(), { ...spec, permissions: toPermissionBits(spec.permissions), position: guild.roles.size });
  guild.roles.set(role.id, role);
  if (context.state.botIsInGuild(guild.id)) {
    context.gateway.dispatch({ t: GatewayDispatchEvents.GuildRoleCreate, d: { guild_id: guild.id, role } }, guild.id);
  }
  context.events.record({ type: 'roleCreated', guildId: guild.id, roleId: role.id });
  return role;
}

/**
 * Adds a user to a guild. Adding the bot makes it join: sessions get GUILD_CREATE. Anyone else
 * produces GUILD_MEMBER_ADD.
 */
export function addMember(context: EmulatorContext, spec: { guildId: string; userId: string; roleIds?: string[]; nick?: string | null }): MemberRecord {
  const { state } = context;
  const guild = state.requireGuild(spec.guildId);
  state.requireUser(spec.userId);
  const member: MemberRecord = { userId: spec.userId, roleIds: [...(spec.roleIds ?? [])], nick: spec.nick ?? null, joinedAt: new Date().toISOString() };
  guild.members.set(spec.userId, member);
  if (spec.userId === state.botId) {
    context.gateway.dispatch({ t: GatewayDispatchEvents.GuildCreate, d: renderGuildCreate(state, guild) }, guild.id);
  } else if (state.botIsInGuild(guild.id)) {
    context.gateway.dispatch({ t: GatewayDispatchEvents.GuildMemberAdd, d: { ...renderMember(state, member), guild_id: guild.id } }, guild.id);
  }
  context.events.record({ type: 'memberAdded', guildId: guild.id, userId: spec.userId });
  return member;
}

/** Removes the bot from a guild (kicked, or the guild deleted): GUILD_DELETE without `unavailable`. */
export function removeBotFromGuild(context: EmulatorContext, guildId: string): void {
  const guild = context.state.requireGuild(guildId);
  guild.members.delete(context.state.botId);
  context.gateway.dispatch({ t: GatewayDispatchEvents.GuildDelete, d: { id: guildId } }, guildId);
  context.events.record({ type: 'guildDeleted', guildId });
}

/** A token of Discord's shape: base64 of the bot id, a timestamp part and an HMAC-like part. */
export function generateToken(botId: string): string {
  const random = randomUUID().replaceAll('-', '');
  return `${Buffer.from(botId).toString('base64url')}.${random.slice(0, 6)}.${random.slice(6)}emulator`;
}
