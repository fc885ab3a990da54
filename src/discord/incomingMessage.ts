import type { Message } from 'discord.js';
import type { IncomingMessage } from '../agents/chatService.js';
import { readAttachments } from './attachments.js';

/**
 * Reduces a Discord message to what the engine needs, or null for messages no agent answers:
 * from bots (itself included), webhooks and the system.
 */
export async function toIncomingMessage(message: Message, options: { attachmentTokenLimit: number }): Promise<IncomingMessage | null> {
  if (message.author.bot || message.webhookId || message.system) return null;
  const botId = message.client.user.id;
  const referenced = message.reference?.messageId ? await message.fetchReference().catch(() => null) : null;
  const repliesToBot = referenced?.author.id === botId;
  const mentionsBot = message.mentions.users.has(botId);
  const { inlineText, attachments } = await readAttachments(message.attachments.values(), options.attachmentTokenLimit);
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
    content: [message.cleanContent, inlineText].filter(Boolean).join('\n\n'),
    replyToText: referenced ? referenced.cleanContent : null,
    attachments,
  };
}
