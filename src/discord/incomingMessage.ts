import { type Message, cleanContent } from 'discord.js';
import type { IncomingMessage } from '../agents/chatService.js';
import { describeAttachments } from './attachments.js';

/**
 * Reduces a Discord message to what the engine needs, or null for messages no agent answers:
 * from bots (itself included), webhooks and the system.
 */
export async function toIncomingMessage(message: Message): Promise<IncomingMessage | null> {
  if (message.author.bot || message.webhookId || message.system) return null;
  const botId = message.client.user.id;
  const referenced = message.reference?.messageId ? await message.fetchReference().catch(() => null) : null;
  const repliesToBot = referenced?.author.id === botId;
  const mentionsBot = message.mentions.users.has(botId);
  const channel = message.channel;
  return {
    guildId: message.guildId,
    channelId: message.channelId,
    parentChannelId: channel.isThread() ? channel.parentId : null,
    isDirect: channel.isDMBased(),
    addressed: mentionsBot || repliesToBot,
    messageId: message.id,
    authorId: message.author.id,
    authorName: message.member?.displayName ?? message.author.displayName,
    content: readableContent(message),
    replyToText: referenced ? readableContent(referenced) : null,
    attachments: describeAttachments(message.attachments.values()),
  };
}

/**
 * The text as people see it in Discord: mentions become `@name`, `#channel`, `/command`. discord.js's
 * `cleanContent` writes `@` + the role's name, and the @everyone role (whose id is the guild's) is
 * named "@everyone": a mention of it would read "@@everyone". Users and other roles come out as
 * Discord's client shows them.
 */
function readableContent(message: Message): string {
  const content = message.guildId ? message.content.replaceAll(`<@&${message.guildId}>`, '@everyone') : message.content;
  return cleanContent(content, message.channel);
}
