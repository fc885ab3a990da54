import { type Client, Events, type Interaction, type Message, Status } from 'discord.js';
import type { ChatService, ReceiveResult } from '../agents/chatService.js';
import type { Logger } from '../agents/logger.js';
import type { CommandRouter } from '../commands/router.js';
import { toIncomingMessage } from './incomingMessage.js';
import { NO_MENTIONS } from './render.js';

export interface DiscordBotOptions {
  token: string;
  /** Text attachments are cut to this many tokens each. */
  attachmentTokenLimit: number;
  /** Told of every message once it was taken: for tests and benchmarks. */
  messageTaken?: ((messageId: string, result: ReceiveResult) => void) | undefined;
}

/**
 * Connects discord.js to the engine: messages go to the ChatService, interactions to the
 * command router. This is the gateway event error boundary: a failure is logged with the
 * message id and, when the message could not be stored, the author is told to send it again.
 */
export class DiscordBot {
  constructor(
    private readonly client: Client,
    private readonly chat: ChatService,
    private readonly router: CommandRouter,
    private readonly options: DiscordBotOptions,
    private readonly logger: Logger,
  ) {}

  /** Messages of one channel are taken one after another, so they are stored in Discord's order. */
  private readonly channelQueues = new Map<string, Promise<void>>();

  async start(): Promise<void> {
    this.client.on(Events.MessageCreate, (message) => this.inChannelOrder(message.channelId, () => this.onMessage(message)));
    this.client.on(Events.InteractionCreate, (interaction) => void this.onInteraction(interaction));
    this.client.on(Events.Error, (error) => this.logger.error({ err: error }, 'discord client error'));
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.token);
    await ready;
    this.logger.info({ botUserId: this.client.user?.id, guilds: this.client.guilds.cache.size }, 'connected to discord');
  }

  /** True while the gateway connection is up (for /healthz). */
  isConnected(): boolean {
    return this.client.ws.status === Status.Ready;
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  private inChannelOrder(channelId: string, work: () => Promise<void>): void {
    const next = (this.channelQueues.get(channelId) ?? Promise.resolve()).then(work);
    this.channelQueues.set(channelId, next);
    void next.finally(() => {
      if (this.channelQueues.get(channelId) === next) this.channelQueues.delete(channelId);
    });
  }

  private async onMessage(message: Message): Promise<void> {
    const log = this.logger.child({ messageId: message.id, channelId: message.channelId });
    let addressed = false;
    try {
      const incoming = await toIncomingMessage(message, { attachmentTokenLimit: this.options.attachmentTokenLimit });
      if (!incoming) {
        this.options.messageTaken?.(message.id, 'ignored');
        return;
      }
      addressed = incoming.addressed || incoming.isDirect;
      const result = await this.chat.receive(incoming);
      if (result !== 'ignored') log.debug({ result }, 'message received');
      this.options.messageTaken?.(message.id, result);
    } catch (error) {
      log.error({ err: error }, 'could not take a message');
      // Only someone who spoke to the bot is told; a channel's other chatter stays undisturbed.
      if (!addressed) return;
      await message
        .reply({ content: '⚠️ I could not take that message (storage is unavailable). Please send it again in a moment.', allowedMentions: NO_MENTIONS })
        .catch((replyError: unknown) => log.warn({ err: replyError }, 'could not report the failure'));
    }
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    await this.router.handle(interaction);
  }
}
