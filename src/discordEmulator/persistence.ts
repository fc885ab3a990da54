import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { APIApplicationCommand, APIRole } from 'discord-api-types/v10';
import type { ChannelRecord, GuildRecord, MemberRecord, MessageRecord, ReactionRecord, ThreadState, UserRecord, WebhookRecord } from './records.js';
import type { EmulatorSeed } from './seed.js';
import { compareSnowflakes } from './snowflake.js';
import type { EmulatorState } from './state.js';

/*
 * The emulator's world on disk, for the playground: the guilds, channels, people, messages and
 * registered commands a restart must show again, with the same ids and token. What lives only for
 * a moment (interactions — so a reply no longer says who used the command —, ephemeral replies,
 * nonces, pings, typing, request logs, attachment bytes) is not kept.
 */

/** The newest messages kept per channel: the file stays small and a restart quick, however long a channel grows. */
export const SAVED_MESSAGES_PER_CHANNEL = 1000;
/** A change is written at most this long after it happened (and at once when the emulator closes). */
export const SAVE_DEBOUNCE_MS = 1000;
const FORMAT_VERSION = 1;

type SavedGuild = Omit<GuildRecord, 'roles' | 'members'> & { roles: APIRole[]; members: MemberRecord[] };
type SavedThread = Omit<ThreadState, 'memberIds'> & { memberIds: string[] };
type SavedChannel = Omit<ChannelRecord, 'thread'> & { thread: SavedThread | null };
type SavedReaction = Omit<ReactionRecord, 'userIds'> & { key: string; userIds: string[] };
type SavedMessage = Omit<MessageRecord, 'reactions'> & { reactions: SavedReaction[] };

/** What the file holds. */
export interface SavedWorld {
  version: typeof FORMAT_VERSION;
  token: string;
  botUser: UserRecord;
  seed: EmulatorSeed | null;
  users: UserRecord[];
  guilds: SavedGuild[];
  channels: SavedChannel[];
  messages: SavedMessage[];
  commands: APIApplicationCommand[];
  webhooks: WebhookRecord[];
}

/** The world as it is now. */
export function snapshotWorld(state: EmulatorState, token: string, seed: EmulatorSeed | null): SavedWorld {
  const messages: SavedMessage[] = [];
  for (const channelId of state.channelMessageIds.keys()) {
    // Ephemeral replies are gone after a reload on Discord too.
    const kept = state.liveMessages(channelId).filter((message) => message.ephemeralForUserId === null);
    for (const message of kept.slice(-SAVED_MESSAGES_PER_CHANNEL)) {
      messages.push({ ...message, reactions: [...message.reactions].map(([key, reaction]) => ({ ...reaction, key, userIds: [...reaction.userIds] })) });
    }
  }
  return {
    version: FORMAT_VERSION,
    token,
    botUser: state.botUser,
    seed,
    users: [...state.users.values()],
    guilds: [...state.guilds.values()].map((guild) => ({ ...guild, roles: [...guild.roles.values()], members: [...guild.members.values()] })),
    channels: [...state.channels.values()].map((channel) => ({ ...channel, thread: channel.thread && { ...channel.thread, memberIds: [...channel.thread.memberIds] } })),
    messages,
    commands: [...state.commands.values()],
    webhooks: [...state.webhooks.values()],
  };
}

/** Puts a saved world into a new state (whose bot is `saved.botUser`); ids made from now on are newer than every saved one. */
export function restoreWorld(state: EmulatorState, saved: SavedWorld): void {
  for (const user of saved.users) state.users.set(user.id, user);
  for (const guild of saved.guilds) {
    state.guilds.set(guild.id, { ...guild, roles: new Map(guild.roles.map((role) => [role.id, role])), members: new Map(guild.members.map((member) => [member.userId, member])) });
  }
  for (const channel of saved.channels) {
    state.channels.set(channel.id, { ...channel, thread: channel.thread && { ...channel.thread, memberIds: new Set(channel.thread.memberIds) } });
  }
  for (const message of [...saved.messages].sort((left, right) => compareSnowflakes(left.id, right.id))) {
    const reactions = new Map(message.reactions.map(({ key, ...reaction }) => [key, { ...reaction, userIds: new Set(reaction.userIds) }]));
    state.addMessage({ ...message, reactions });
  }
  for (const command of saved.commands) state.commands.set(command.id, command);
  for (const webhook of saved.webhooks) state.webhooks.set(webhook.id, webhook);
  state.ids.continueAfter(newestId(saved));
}

function newestId(saved: SavedWorld): string {
  const ids = [saved.botUser.id, ...saved.users.map((user) => user.id), ...saved.channels.map((channel) => channel.id), ...saved.messages.map((message) => message.id), ...saved.commands.map((command) => command.id)];
  for (const guild of saved.guilds) ids.push(guild.id, ...guild.roles.map((role) => role.id));
  return ids.reduce((newest, id) => (compareSnowflakes(id, newest) > 0 ? id : newest));
}

/** A world file that cannot be read as one: never overwritten, so nothing is lost. */
export class SavedWorldError extends Error {
  constructor(file: string, reason: string) {
    super(`The playground's saved Discord world ${file} ${reason}. Move it away to start a fresh playground world, or restore it from a backup.`);
    this.name = 'SavedWorldError';
  }
}

/** The saved world in `file`, or null when there is none yet. */
export async function readSavedWorld(file: string): Promise<SavedWorld | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SavedWorldError(file, `cannot be read (${(error as Error).message})`);
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    throw new SavedWorldError(file, 'is not valid JSON');
  }
  const version = (saved as { version?: unknown } | null)?.version;
  if (version !== FORMAT_VERSION) throw new SavedWorldError(file, `has format version ${JSON.stringify(version)}, not ${FORMAT_VERSION}`);
  return saved as SavedWorld;
}

/**
 * Writes the world after changes: at most once per {@link SAVE_DEBOUNCE_MS}, each write whole and
 * atomic (a temporary file renamed over the old one), so a crash leaves the old world or the new.
 * No timer runs while nothing changes.
 */
export class WorldSaver {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly snapshot: () => SavedWorld,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Something changed: a write is due within {@link SAVE_DEBOUNCE_MS}. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writing = this.writing.then(() => this.write()).catch(this.onError);
    }, SAVE_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Writes now (a pending write included) and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = this.writing.then(() => this.write());
    await this.writing;
  }

  private async write(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    await writeFile(temporary, JSON.stringify(this.snapshot()));
    await rename(temporary, this.file);
  }
}
