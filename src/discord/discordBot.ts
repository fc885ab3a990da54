import { type Client, Events, type Interaction, type Message, Status } from 'discord.js';
import type { ChatService, ReceiveResult } from '../agents/chatService.js';
import type { Logger } from '../agents/logger.js';
import type { ChatGateway } from '../agents/ports.js';
import type { CommandRouter } from '../commands/router.js';
import { CatchUp, type CatchUpStore } from './catchUp.js';
import { toIncomingMessage } from './incomingMessage.js';

export interface DiscordBotOptions {
  token: string;
  /** Told of every message once it was taken: for tests and benchmarks. */
  messageTaken?: ((messageId: string, result: ReceiveResult) => void) | undefined;
  /** A channel was deleted: its agent's helper trees are cancelled. */
  channelDeleted?: (channelId: string) => Promise<void>;
  /** The bot left a server, or was removed from it (not an outage: discord.js reports that apart). */
  guildLeft?: (guildId: string) => Promise<void>;
  /** Catch-up after a fresh connection: where it reads and claims, and how far back it looks (0: off). */
  catchUp?: { store: CatchUpStore; windowMs: number } | undefined;
}

/** Told to whoever spoke to the bot when their message could not be stored. */
export const STORAGE_FAILURE_NOTICE = '⚠️ I could not take that message (storage is unavailable). Please send it again in a moment.';

/**
 * The storage-failure notice's nonce, derived from the message: every process that received
 * the message posts the same one, and Discord (with enforce_nonce) keeps the first. A snowflake
 * has up to 20 digits; in base 36 it takes at most 13 characters, well under Discord's 25.
 */
export function storageFailureNonce(messageId: string): string {
  return `s${BigInt(messageId).toString(36)}`;
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
    /** Where the bot's own notices are posted (no mentions, a nonce, Discord's failures retried). */
    private readonly gateway: ChatGateway,
    private readonly options: DiscordBotOptions,
    private readonly logger: Logger,
  ) {
    const catchUp = options.catchUp;
    this.catchUp = catchUp
      ? new CatchUp(
          client,
          catchUp.store,
          {
            windowMs: catchUp.windowMs,
            inChannelOrder: (channelId, work) => this.inChannelOrder(channelId, work),
            take: (message) => this.onMessage(message, { sentWhileOffline: true }),
          },
          logger.child({ module: 'catch-up' }),
        )
      : null;
  }

  private readonly catchUp: CatchUp | null;

  /** Messages of one channel are taken one after another, so they are stored in Discord's order. */
  private readonly channelQueues = new Map<string, Promise<void>>();

  async start(): Promise<void> {
    this.client.on(Events.MessageCreate, (message) => this.inChannelOrder(message.channelId, () => this.onMessage(message, { sentWhileOffline: false })));
    // ShardReady follows every READY (a new session: Discord replays nothing); a resumed session
    // emits ShardResume instead, after Discord replayed what it missed. ClientReady fires once.
    this.client.on(Events.ShardReady, (shardId) => this.catchUp?.afterReady(shardId));
    this.client.on(Events.InteractionCreate, (interaction) => void this.onInteraction(interaction));
    this.client.on(Events.ChannelDelete, (channel) => {
      this.options.channelDeleted?.(channel.id).catch((error: unknown) => this.logger.error({ err: error, channelId: channel.id }, 'could not stop the helpers of a deleted channel'));
    });
    this.client.on(Events.GuildDelete, (guild) => {
      this.options.guildLeft?.(guild.id).catch((error: unknown) => this.logger.error({ err: error, guildId: guild.id }, 'could not pause the schedules of a server the bot left'));
    });
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
    await this.catchUp?.stop();
    await this.client.destroy();
  }

  private inChannelOrder(channelId: string, work: () => Promise<void>): void {
    const next = (this.channelQueues.get(channelId) ?? Promise.resolve()).then(work);
    this.channelQueues.set(channelId, next);
    void next.finally(() => {
      if (this.channelQueues.get(channelId) === next) this.channelQueues.delete(channelId);
    });
  }

  private async onMessage(message: Message, origin: { sentWhileOffline: boolean }): Promise<void> {
    const log = this.logger.child({ messageId: message.id, channelId: message.channelId });
    let addressed = false;
    try {
      const incoming = await toIncomingMessage(message);
      if (!incoming) {
        this.options.messageTaken?.(message.id, 'ignored');
        return;
      }
      addressed = incoming.addressed || incoming.isDirect;
      const result = await this.chat.receive(origin.sentWhileOffline ? { ...incoming, sentWhileOffline: true } : incoming);
      if (result !== 'ignored') log.debug({ result }, 'message received');
      this.options.messageTaken?.(message.id, result);
    } catch (error) {
      log.error({ err: error }, 'could not take a message');
      // Only someone who spoke to the bot is told; a channel's other chatter stays undisturbed.
      if (!addressed) return;
      await this.postStorageFailureNotice(message).catch((replyError: unknown) => log.warn({ err: replyError }, 'could not report the failure'));
    }
  }

  /**
   * Replies to the message that could not be stored, pinging nobody. Every process that received
   * it fails alike (they share the database) and posts the same nonce: the message is shown once.
   */
  private async postStorageFailureNotice(message: Message): Promise<void> {
    await this.gateway.postMessage({ channelId: message.channelId, content: STORAGE_FAILURE_NOTICE, nonce: storageFailureNonce(message.id), replyTo: message.id });
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    await this.router.handle(interaction);
  }
}
