import type { APIApplicationCommand } from 'discord-api-types/v10';
import { DiscordErrors } from './errors.js';
import type {
  ChannelRecord,
  GuildRecord,
  InteractionRecord,
  MessageRecord,
  StoredAttachment,
  UserRecord,
  WebhookRecord,
} from './records.js';
import { SnowflakeGenerator, compareSnowflakes } from './snowflake.js';

/** Who would have been notified by one message create or edit. */
export interface PingRecord {
  messageId: string;
  channelId: string;
  authorId: string;
  /** `create` for a new message, `edit` when an edit's mentions were evaluated. */
  reason: 'create' | 'edit';
  userIds: string[];
  roleIds: string[];
  /** `@everyone` / `@here` would have notified everyone. */
  everyone: boolean;
  at: number;
}

/** A typing indicator (POST /channels/{id}/typing or a simulated user). */
export interface TypingRecord {
  channelId: string;
  userId: string;
  at: number;
}

/** One REST request the emulator answered, for assertions and diagnostics. */
export interface RestRequestRecord {
  method: string;
  /** Path below `/api/v10`, as received (ids and percent-encoding included). */
  path: string;
  /** The emulator's route key, e.g. `POST /channels/:channelId/messages`. */
  route: string | null;
  status: number;
  /** Discord error code of a failed request. */
  errorCode: number | null;
  /** Parsed JSON body (the `payload_json` part of multipart requests). */
  body: unknown;
  at: number;
}

/** The application the bot belongs to (its id equals the bot user's id, as for modern apps). */
export interface ApplicationRecord {
  id: string;
  name: string;
  flags: number;
}

/**
 * All in-memory state. Plain maps plus lookups that throw Discord's "Unknown …" errors, so REST
 * handlers and the test API share one source of truth.
 */
export class EmulatorState {
  readonly ids = new SnowflakeGenerator();
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord>();
  /** Message ids per channel, oldest first (ids increase, so push keeps the order; one dated in the past is put in its place). */
  readonly channelMessageIds = new Map<string, string[]>();
  readonly commands = new Map<string, APIApplicationCommand>();
  readonly interactions = new Map<string, InteractionRecord>();
  private readonly interactionIdsByToken = new Map<string, string>();
  readonly webhooks = new Map<string, WebhookRecord>();
  readonly attachments = new Map<string, StoredAttachment>();
  /** Attachment ids in the order their bytes were downloaded from the CDN. */
  readonly cdnDownloads: string[] = [];
  /** `${authorKey}:${nonce}` → message id and when it was created, for `enforce_nonce`. */
  readonly nonces = new Map<string, { messageId: string; at: number }>();
  readonly pings: PingRecord[] = [];
  readonly typing: TypingRecord[] = [];
  readonly restRequests: RestRequestRecord[] = [];
  /** Bugs in the emulator itself (answered with 500); tests should expect this to stay empty. */
  readonly internalErrors: Error[] = [];

  readonly application: ApplicationRecord;
  readonly botUser: UserRecord;

  private readonly logLimit: number;

  /**
   * Creates the bot user (or takes the one of a restored world) and its application (same id, as
   * for applications created since 2020).
   */
  constructor(settings: { botName: string; applicationFlags: number; logLimit: number; botUser?: UserRecord }) {
    this.logLimit = settings.logLimit;
    this.botUser = settings.botUser ?? { id: this.ids.next(), username: settings.botName, discriminator: '0', global_name: null, avatar: null, bot: true };
    const { id } = this.botUser;
    this.application = { id, name: settings.botName, flags: settings.applicationFlags };
    this.users.set(id, this.botUser);
  }

  get botId(): string {
    return this.botUser.id;
  }

  /** Logs a REST request, keeping the most recent `logLimit` (benchmarks send hundreds of thousands). */
  recordRestRequest(record: RestRequestRecord): void {
    this.restRequests.push(record);
    if (this.restRequests.length > this.logLimit * 1.25) this.restRequests.splice(0, this.restRequests.length - this.logLimit);
  }

  requireUser(userId: string): UserRecord {
    const user = this.users.get(userId);
    if (!user) throw DiscordErrors.unknownUser();
    return user;
  }

  requireGuild(guildId: string): GuildRecord {
    const guild = this.guilds.get(guildId);
    if (!guild) throw DiscordErrors.unknownGuild();
    return guild;
  }

  requireChannel(channelId: string): ChannelRecord {
    const channel = this.channels.get(channelId);
    if (!channel) throw DiscordErrors.unknownChannel();
    return channel;
  }

  /** A live (not deleted) message, optionally required to be in `channelId`. */
  requireMessage(messageId: string, channelId?: string): MessageRecord {
    const message = this.messages.get(messageId);
    if (!message || message.deletedAt !== null || (channelId !== undefined && message.channelId !== channelId)) {
      throw DiscordErrors.unknownMessage();
    }
    return message;
  }

  /** Whether the bot is a member of the guild (it sees only those guilds). */
  botIsInGuild(guildId: string): boolean {
    return this.guilds.get(guildId)?.members.has(this.botId) ?? false;
  }

  /** Guild channels (not threads) of a guild, by position. */
  guildChannels(guildId: string): ChannelRecord[] {
    return [...this.channels.values()]
      .filter((channel) => channel.guildId === guildId && channel.thread === null)
      .sort((left, right) => left.position - right.position || compareSnowflakes(left.id, right.id));
  }

  /** Threads whose parent is `channelId`, oldest first. */
  threadsOf(channelId: string): ChannelRecord[] {
    return [...this.channels.values()]
      .filter((channel) => channel.thread !== null && channel.parentId === channelId)
      .sort((left, right) => compareSnowflakes(left.id, right.id));
  }

  /** Live messages of a channel, oldest first, including ephemeral ones. */
  liveMessages(channelId: string): MessageRecord[] {
    const ids = this.channelMessageIds.get(channelId) ?? [];
    const result: MessageRecord[] = [];
    for (const id of ids) {
      const message = this.messages.get(id);
      if (message && message.deletedAt === null) result.push(message);
    }
    return result;
  }

  /** Stores a new message and indexes it under its channel. */
  addMessage(message: MessageRecord): void {
    this.messages.set(message.id, message);
    const ids = this.channelMessageIds.get(message.channelId);
    if (!ids) this.channelMessageIds.set(message.channelId, [message.id]);
    else if (ids.length === 0 || compareSnowflakes(ids.at(-1)!, message.id) < 0) ids.push(message.id);
    else {
      // A message dated in the past (`sentAt`) goes where its id belongs.
      const index = ids.findIndex((existing) => compareSnowflakes(existing, message.id) > 0);
      ids.splice(index, 0, message.id);
    }
  }

  /** The DM channel between the bot and `userId`, if one was opened. */
  findDirectMessageChannel(userId: string): ChannelRecord | undefined {
    for (const channel of this.channels.values()) {
      if (channel.guildId === null && channel.recipientIds.includes(userId)) return channel;
    }
    return undefined;
  }

  /** Stores an interaction and indexes it by token (webhook routes only carry the token). */
  addInteraction(interaction: InteractionRecord): void {
    this.interactions.set(interaction.id, interaction);
    this.interactionIdsByToken.set(interaction.token, interaction.id);
  }

  /** The interaction owning `token`, if any. */
  findInteractionByToken(token: string): InteractionRecord | undefined {
    const id = this.interactionIdsByToken.get(token);
    return id === undefined ? undefined : this.interactions.get(id);
  }
}
