import { type Client, PermissionFlagsBits, Routes } from 'discord.js';
import type { ChatGateway, MemberPermission, MessageAction } from '../agents/ports.js';
import type { ChannelRef } from '../agents/types.js';
import { NO_MENTIONS, actionRows } from './render.js';

const permissionFlags: Record<MemberPermission, bigint> = {
  ManageMessages: PermissionFlagsBits.ManageMessages,
  ManageChannels: PermissionFlagsBits.ManageChannels,
  ManageGuild: PermissionFlagsBits.ManageGuild,
};

/**
 * The engine's ChatGateway over discord.js. Posts go straight through the REST client (no
 * dependence on the channel cache, so threads and DMs work the same) with no mentions allowed.
 * @see https://discord.com/developers/docs/resources/message#create-message
 */
export class DiscordChatGateway implements ChatGateway {
  constructor(private readonly client: Client) {}

  async sendTyping(channelId: string): Promise<void> {
    await this.client.rest.post(Routes.channelTyping(channelId));
  }

  async postMessage(request: { channelId: string; content: string; nonce: string; actions?: MessageAction[] }): Promise<string> {
    const body = {
      content: request.content,
      nonce: request.nonce,
      // With enforce_nonce, a repeated post returns the first message instead of a duplicate.
      enforce_nonce: true,
      allowed_mentions: NO_MENTIONS,
      ...(request.actions && { components: actionRows(request.actions) }),
    };
    const message = (await this.client.rest.post(Routes.channelMessages(request.channelId), { body })) as { id: string };
    return message.id;
  }

  async editMessage(request: { channelId: string; messageId: string; content: string }): Promise<void> {
    const body = { content: request.content, allowed_mentions: NO_MENTIONS };
    await this.client.rest.patch(Routes.channelMessage(request.channelId, request.messageId), { body });
  }

  async deleteMessage(request: { channelId: string; messageId: string }): Promise<void> {
    await this.client.rest.delete(Routes.channelMessage(request.channelId, request.messageId));
  }

  async memberHasPermission(where: ChannelRef, userId: string, permission: MemberPermission): Promise<boolean> {
    if (!where.guildId) return true;
    const guild = await this.client.guilds.fetch(where.guildId);
    const member = await guild.members.fetch(userId);
    const channel = await guild.channels.fetch(where.channelId).catch(() => null);
    const permissions = channel ? channel.permissionsFor(member) : member.permissions;
    return permissions.has(permissionFlags[permission]);
  }
}
