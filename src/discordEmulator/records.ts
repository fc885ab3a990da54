import type {
  APIAttachment,
  APIEmbed,
  APIInteraction,
  APIMessageReference,
  APIMessageTopLevelComponent,
  APIModalInteractionResponseCallbackData,
  APIOverwrite,
  APIPartialEmoji,
  APIPoll,
  APIRole,
  APIUser,
  ChannelType,
  InteractionResponseType,
  InteractionType,
  MessageType,
  ThreadAutoArchiveDuration,
} from 'discord-api-types/v10';

/*
 * The emulator's internal state. Records are normalised (ids, not nested objects) so an edit is
 * visible everywhere at once; `render/*` turns them into the API objects Discord sends.
 */

/** A guild and everything that belongs to it except channels (those live in one global map). */
export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  createdAt: number;
  roles: Map<string, APIRole>;
  members: Map<string, MemberRecord>;
}

/** A user's membership of a guild. The @everyone role is implicit, as on Discord. */
export interface MemberRecord {
  userId: string;
  roleIds: string[];
  nick: string | null;
  joinedAt: string;
}

/** Thread-only state of a channel record. */
export interface ThreadState {
  archived: boolean;
  locked: boolean;
  invitable: boolean;
  autoArchiveDuration: ThreadAutoArchiveDuration;
  archiveTimestamp: string;
  createTimestamp: string;
  memberIds: Set<string>;
  /** Messages sent in the thread, never decremented (Discord's `total_message_sent`). */
  totalMessageSent: number;
}

/** A guild channel, thread or DM. */
export interface ChannelRecord {
  id: string;
  type: ChannelType;
  guildId: string | null;
  name: string;
  topic: string | null;
  position: number;
  parentId: string | null;
  permissionOverwrites: APIOverwrite[];
  nsfw: boolean;
  rateLimitPerUser: number;
  lastMessageId: string | null;
  /** Who created a thread (`owner_id`). */
  ownerId: string | null;
  thread: ThreadState | null;
  /** The other participant of a DM (the bot being the first). */
  recipientIds: string[];
}

/** How a message's author is shown: a user, or a webhook posing under a chosen name. */
export type MessageAuthor =
  | { kind: 'user'; userId: string }
  | { kind: 'webhook'; webhookId: string; username: string; avatar: string | null };

/** One earlier version of an edited message, newest last in {@link MessageRecord.revisions}. */
export interface MessageRevision {
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: APIAttachment[];
  flags: number;
  /** When this version was replaced. */
  replacedAt: number;
}

/** The interaction a message answers (`interaction_metadata`). */
export interface MessageInteractionLink {
  interactionId: string;
}

/** A reaction on a message: one emoji and who added it. */
export interface ReactionRecord {
  emoji: APIPartialEmoji;
  userIds: Set<string>;
}

/** A message, including deleted ones (kept for assertions). */
export interface MessageRecord {
  id: string;
  channelId: string;
  guildId: string | null;
  author: MessageAuthor;
  type: MessageType;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: APIAttachment[];
  poll: APIPoll | null;
  flags: number;
  tts: boolean;
  pinned: boolean;
  nonce: string | number | null;
  createdAt: number;
  editedAt: number | null;
  mentionUserIds: string[];
  mentionRoleIds: string[];
  mentionEveryone: boolean;
  reference: APIMessageReference | null;
  applicationId: string | null;
  webhookId: string | null;
  interaction: MessageInteractionLink | null;
  /** Only this user can see the message (ephemeral interaction responses). */
  ephemeralForUserId: string | null;
  revisions: MessageRevision[];
  deletedAt: number | null;
  reactions: Map<string, ReactionRecord>;
}

/** One callback the bot sent for an interaction. */
export interface InteractionCallbackRecord {
  type: InteractionResponseType;
  data: unknown;
  at: number;
}

/** An interaction the emulator dispatched, and everything the bot answered. */
export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionType;
  payload: APIInteraction;
  channelId: string;
  guildId: string | null;
  userId: string;
  createdAt: number;
  /** Command name (commands, autocomplete) or custom_id (components, modals). */
  name: string;
  /** The message a component was on (components; modals opened from a component). */
  sourceMessageId: string | null;
  callbacks: InteractionCallbackRecord[];
  /** The message `@original` refers to, once there is one. */
  originalMessageId: string | null;
  followupMessageIds: string[];
  /** Choices returned to an autocomplete interaction. */
  autocompleteChoices: unknown[] | null;
  /** The modal the bot showed in answer to this interaction. */
  modal: APIModalInteractionResponseCallbackData | null;
}

/** A channel webhook (incoming webhook). Interaction webhooks are interactions, not records here. */
export interface WebhookRecord {
  id: string;
  token: string;
  channelId: string;
  guildId: string;
  name: string;
  avatar: string | null;
  creatorId: string;
}

/** Bytes of an uploaded attachment, served at the emulator's CDN URL. */
export interface StoredAttachment {
  id: string;
  channelId: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** A user (bots included), stored exactly as Discord sends it. */
export type UserRecord = APIUser;
