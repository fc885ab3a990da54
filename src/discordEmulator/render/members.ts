import type { APIGuildMember, APIGuildMemberNoUser, APIRole, APIUser, GuildMemberFlags } from 'discord-api-types/v10';
import type { GuildRecord, MemberRecord } from '../records.js';
import type { EmulatorState } from '../state.js';

/** A member without its `user`, as in MESSAGE_CREATE `member` and interaction-resolved members. */
export function renderMemberWithoutUser(member: MemberRecord): APIGuildMemberNoUser {
  return {
    roles: [...member.roleIds],
    joined_at: member.joinedAt,
    nick: member.nick,
    avatar: null,
    banner: null,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

/** A full guild member; discord.js keys members by `user.id`, so `user` is always present. */
export function renderMember(state: EmulatorState, member: MemberRecord): APIGuildMember & { user: APIUser } {
  return { ...renderMemberWithoutUser(member), user: state.requireUser(member.userId) };
}

/** Roles of a guild, @everyone first (discord.js needs the role whose id is the guild id). */
export function renderRoles(guild: GuildRecord): APIRole[] {
  return [...guild.roles.values()].sort((left, right) => left.position - right.position).map((role) => ({ ...role }));
}
