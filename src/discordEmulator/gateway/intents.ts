import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  type APIMessage,
  type GatewayDispatchPayload,
} from 'discord-api-types/v10';
import type { PrivilegedIntentSettings } from '../options.js';

type DispatchOf<Payload> = Payload extends { t: infer Name; d: infer Data } ? { t: Name; d: Data } : never;

/** A dispatch before the gateway gives it a sequence number: `{ t, d }`, typed per event name. */
export type OutgoingDispatch = DispatchOf<GatewayDispatchPayload>;

const GUILD_EVENTS = new Set<string>([
  GatewayDispatchEvents.GuildCreate,
  GatewayDispatchEvents.GuildUpdate,
  GatewayDispatchEvents.GuildDelete,
  GatewayDispatchEvents.GuildRoleCreate,
  GatewayDispatchEvents.GuildRoleUpdate,
  GatewayDispatchEvents.GuildRoleDelete,
  GatewayDispatchEvents.ChannelCreate,
  GatewayDispatchEvents.ChannelUpdate,
  GatewayDispatchEvents.ChannelDelete,
  GatewayDispatchEvents.ThreadCreate,
  GatewayDispatchEvents.ThreadUpdate,
  GatewayDispatchEvents.ThreadDelete,
  GatewayDispatchEvents.ThreadListSync,
  GatewayDispatchEvents.ThreadMemberUpdate,
  GatewayDispatchEvents.ThreadMembersUpdate,
]);

/**
 * The intents a session needs to receive `dispatch` (any one of them), or 0 when no intent gates it
 * (READY, RESUMED, INTERACTION_CREATE).
 * @see https://discord.com/developers/docs/events/gateway#list-of-intents
 */
export function requiredIntent(dispatch: OutgoingDispatch, inGuild: boolean): number {
  const name: string = dispatch.t;
  if (GUILD_EVENTS.has(name)) return GatewayIntentBits.Guilds;
  switch (dispatch.t) {
    case GatewayDispatchEvents.GuildMemberAdd:
    case GatewayDispatchEvents.GuildMemberUpdate:
    case GatewayDispatchEvents.GuildMemberRemove:
      return GatewayIntentBits.GuildMembers;
    case GatewayDispatchEvents.MessageCreate:
    case GatewayDispatchEvents.MessageUpdate:
    case GatewayDispatchEvents.MessageDelete:
    case GatewayDispatchEvents.MessageDeleteBulk:
      return inGuild ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages;
    case GatewayDispatchEvents.MessageReactionAdd:
    case GatewayDispatchEvents.MessageReactionRemove:
    case GatewayDispatchEvents.MessageReactionRemoveAll:
    case GatewayDispatchEvents.MessageReactionRemoveEmoji:
      return inGuild ? GatewayIntentBits.GuildMessageReactions : GatewayIntentBits.DirectMessageReactions;
    case GatewayDispatchEvents.TypingStart:
      return inGuild ? GatewayIntentBits.GuildMessageTyping : GatewayIntentBits.DirectMessageTyping;
    case GatewayDispatchEvents.WebhooksUpdate:
      return GatewayIntentBits.GuildWebhooks;
    default:
      return 0;
  }
}

/**
 * Without MESSAGE_CONTENT, Discord blanks `content`, `embeds`, `attachments`, `components` and `poll`
 * of messages except the bot's own, DMs and messages that mention the bot. Emulating it catches
 * the classic "works locally, silent in production" bug.
 * @see https://discord.com/developers/docs/events/gateway#message-content-intent
 */
export function redactMessageContent<Message extends APIMessage>(message: Message, botId: string, inGuild: boolean): Message {
  if (!inGuild || message.author.id === botId || message.mentions.some((user) => user.id === botId)) return message;
  const redacted: Message = { ...message, content: '', embeds: [], attachments: [], components: [] };
  delete redacted.poll;
  return redacted;
}

/** Privileged intents the application has not been granted; requesting one closes the socket with 4014. */
export function disallowedIntents(intents: number, allowed: PrivilegedIntentSettings): number {
  let disallowed = 0;
  if (!allowed.messageContent) disallowed |= intents & GatewayIntentBits.MessageContent;
  if (!allowed.guildMembers) disallowed |= intents & GatewayIntentBits.GuildMembers;
  if (!allowed.guildPresences) disallowed |= intents & GatewayIntentBits.GuildPresences;
  return disallowed;
}
