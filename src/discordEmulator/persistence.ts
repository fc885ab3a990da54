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
 * a moment (interactions — so a reply no longer says who used the command: renderMessage leaves
 * out the metadata of an interaction it does not know —, ephemeral replies, nonces, pings, typing,
 * request logs, attachment bytes) is not kept.
 */

/**
 * A bound, not a feature: only the newest messages of each channel are kept, so the file stays
 * small and a restart quick however long a channel grows. Older ones are gone after a restart.
 */
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
  /** The greatest id handed out so far: ids made after the restore come after it. */
  newestId: string;
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
  // Messages of deleted channels are left behind with them.
  const messages = [...state.channels.keys()].flatMap((channelId) => savedMessagesOf(state, channelId));
  return {
    version: FORMAT_VERSION,
    token,
    botUser: state.botUser,
    newestId: newestOf([state.ids.position(), ...messages.map((message) => message.id)]),
    seed,
    users: [...state.users.values()],
    guilds: [...state.guilds.values()].map((guild) => ({ ...guild, roles: [...guild.roles.values()], members: [...guild.members.values()] })),
    channels: [...state.channels.values()].map((channel) => ({ ...channel, thread: channel.thread && { ...channel.thread, memberIds: [...channel.thread.memberIds] } })),
    messages,
    commands: [...state.commands.values()],
    webhooks: [...state.webhooks.values()],
  };
}

/** The newest {@link SAVED_MESSAGES_PER_CHANNEL} live messages of a channel. */
function savedMessagesOf(state: EmulatorState, channelId: string): SavedMessage[] {
  return state
    .liveMessages(channelId)
    // Ephemeral replies are gone after a reload on Discord too.
    .filter((message) => message.ephemeralForUserId === null)
    .slice(-SAVED_MESSAGES_PER_CHANNEL)
    .map((message) => ({ ...message, reactions: [...message.reactions].map(([key, reaction]) => ({ ...reaction, key, userIds: [...reaction.userIds] })) }));
}

/**
 * The greatest of `ids`. Messages dated in the past (`sentAt`) carry ids outside the generator's
 * sequence, so its position alone need not be the newest.
 */
function newestOf(ids: string[]): string {
  return ids.reduce((newest, id) => (compareSnowflakes(id, newest) > 0 ? id : newest));
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
  state.ids.continueAfter(saved.newestId);
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
  if (!isCompleteWorld(saved as Record<string, unknown>)) throw new SavedWorldError(file, 'lacks parts of a saved world');
  return saved as SavedWorld;
}

/** The top-level parts are there, so a truncated or hand-edited file is refused rather than half restored. */
function isCompleteWorld(saved: Record<string, unknown>): boolean {
  const lists = ['users', 'guilds', 'channels', 'messages', 'commands', 'webhooks'];
  return (
    typeof saved.token === 'string' &&
    typeof saved.newestId === 'string' &&
    typeof (saved.botUser as { id?: unknown } | null)?.id === 'string' &&
    typeof saved.seed === 'object' &&
    lists.every((list) => Array.isArray(saved[list]))
  );
}

/**
 * Writes the world after changes: at most once per {@link SAVE_DEBOUNCE_MS}, each write whole and
 * atomic (a temporary file renamed over the old one), so a crash leaves the old world or the new.
 * No timer runs while nothing changes, and the one that does is unref'd: it never keeps a process up.
 */
export class WorldSaver {
  private timer: NodeJS.Timeout | null = null;
  private unsaved: boolean;
  /** The write under way, so writes never overlap; never rejected (whoever started a write hears of its failure). */
  private writing: Promise<void> = Promise.resolve();

  /** `fileIsCurrent`: the file already holds this world (it was just restored from it). */
  constructor(
    private readonly file: string,
    private readonly snapshot: () => SavedWorld,
    private readonly onError: (error: unknown) => void,
    fileIsCurrent: boolean,
  ) {
    this.unsaved = !fileIsCurrent;
  }

  /** Something changed: a write is due within {@link SAVE_DEBOUNCE_MS}. */
  changed(): void {
    this.unsaved = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save().catch(this.onError);
    }, SAVE_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Writes what is not saved yet, now, and waits for it; rejects when that write fails. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.save();
  }

  private save(): Promise<void> {
    const write = this.writing.then(() => this.writeIfUnsaved());
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async writeIfUnsaved(): Promise<void> {
    if (!this.unsaved) return;
    this.unsaved = false;
    try {
      await writeAtomically(this.file, JSON.stringify(this.snapshot()));
    } catch (error) {
      // The next change or flush tries again.
      this.unsaved = true;
      throw error;
    }
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}
