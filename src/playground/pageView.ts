import { ChannelType, type APIApplicationCommand, type APIMessage } from 'discord-api-types/v10';
import type { HelperStatus } from '../db/repositories/index.js';
import type { DiscordEmulator } from '../discordEmulator/emulator.js';
import type { ChannelRecord, MessageRecord } from '../discordEmulator/records.js';
import { renderMessage } from '../discordEmulator/render/messages.js';

/*
 * What the page shows, read from the emulator's world: the shapes of src/playground/README.md.
 */

/** Where the page learns how the helpers in threads are doing (the database, in the app). */
export interface HelperStatuses {
  /** The helpers of `guildId` working in `threadIds`, by thread id. */
  statusesOf(guildId: string, threadIds: readonly string[]): Promise<Map<string, HelperStatus>>;
}

export interface PageChannel {
  id: string;
  name: string;
  topic: string | null;
  position: number;
}

export interface PageThread {
  id: string;
  name: string;
  parentId: string;
  archived: boolean;
  locked: boolean;
  helper: HelperStatus | null;
}

export interface PageUser {
  id: string;
  username: string;
  globalName: string | null;
  owner: boolean;
  roleNames: string[];
}

export type PageMessage = APIMessage & { ephemeral_for: string | null };

export interface PageTip {
  label: string;
  text: string;
}

export interface PageSession {
  bot: { id: string; username: string };
  guild: { id: string; name: string; ownerId: string };
  users: PageUser[];
  roles: Array<{ id: string; name: string }>;
  channels: PageChannel[];
  threads: PageThread[];
  commands: APIApplicationCommand[];
  model: { demo: boolean; name: string };
  tips: PageTip[];
}

/** What the page's "Try" panel offers: with the demo brain, lines its grammar answers. */
export function tipsFor(demoBrain: boolean): PageTip[] {
  const bot = '@Matryoshka';
  if (!demoBrain) {
    return [
      { label: 'Chat', text: `${bot} hi! What can you do?` },
      { label: 'Helpers', text: `${bot} research the history of the nesting doll, with a helper for each century` },
      { label: 'Schedule', text: `${bot} every weekday at 9:00, post a one-line motivational quote` },
      { label: 'Persona', text: '/persona set' },
    ];
  }
  return [
    { label: 'Chat', text: `${bot} hello!` },
    { label: 'Remember a fact', text: `${bot} remember: I prefer green tea` },
    { label: 'Recall it', text: `${bot} recall: tea` },
    { label: 'Spawn helpers', text: `${bot} spawn researcher: three facts about octopuses\nspawn critic: check those facts` },
    { label: 'Schedule every minute', text: `${bot} schedule "* * * * *": post a haiku about tea` },
    { label: 'A helper by command', text: '/spawn' },
    { label: 'Give it a persona', text: '/persona set' },
    { label: 'Answer every message', text: '/agent mode' },
  ];
}

export function pageChannel(channel: ChannelRecord): PageChannel {
  return { id: channel.id, name: channel.name, topic: channel.topic, position: channel.position };
}

export function pageThread(channel: ChannelRecord, helper: HelperStatus | undefined): PageThread {
  return {
    id: channel.id,
    name: channel.name,
    parentId: channel.parentId ?? '',
    archived: channel.thread?.archived ?? false,
    locked: channel.thread?.locked ?? false,
    helper: helper ?? null,
  };
}

export function pageMessage(emulator: DiscordEmulator, message: MessageRecord): PageMessage {
  return { ...renderMessage(emulator.world, message), ephemeral_for: message.ephemeralForUserId };
}

/** Whether a channel, or a thread's parent, belongs to the playground's guild (the page reaches nothing else). */
export function inGuild(emulator: DiscordEmulator, guildId: string, channelId: string): boolean {
  const channel = emulator.world.channels.get(channelId);
  if (!channel) return false;
  const parent = channel.parentId === null ? channel : emulator.world.channels.get(channel.parentId);
  return channel.guildId === guildId && parent?.guildId === guildId;
}

/** Text channels of the guild, by position. */
export function textChannels(emulator: DiscordEmulator, guildId: string): ChannelRecord[] {
  return emulator.world.guildChannels(guildId).filter((channel) => channel.type === ChannelType.GuildText);
}

/** Threads of the guild's text channels. */
export function guildThreads(emulator: DiscordEmulator, guildId: string): ChannelRecord[] {
  return textChannels(emulator, guildId).flatMap((channel) => emulator.world.threadsOf(channel.id));
}

export function pageUsers(emulator: DiscordEmulator, guildId: string): PageUser[] {
  const { world } = emulator;
  const guild = world.requireGuild(guildId);
  return [...guild.members.values()]
    .filter((member) => member.userId !== world.botId)
    .map((member) => {
      const user = world.requireUser(member.userId);
      return {
        id: user.id,
        username: user.username,
        globalName: user.global_name ?? null,
        owner: guild.ownerId === user.id,
        roleNames: member.roleIds.flatMap((roleId) => guild.roles.get(roleId)?.name ?? []),
      };
    });
}

/** Commands the guild can run: its own and the global ones. */
export function guildCommands(emulator: DiscordEmulator, guildId: string): APIApplicationCommand[] {
  return emulator.commands().filter((command) => command.guild_id === undefined || command.guild_id === guildId);
}
