import { DueLoop } from './dueLoop.js';
import type { Logger } from './logger.js';
import type { ChatGateway, EngineStores, ProcessSignals } from './ports.js';
import { withTokenCount } from './promptMessages.js';
import type { PersonaResolver } from './personaResolver.js';
import type { WorkerSlot } from './worker.js';
import type { AttachmentInfo, ChannelRef, NewMessage } from './types.js';

/** A Discord message as the engine needs it, already reduced to plain data by the adapter. */
export interface IncomingMessage extends ChannelRef {
  /** The parent channel when the message is in a thread. */
  parentChannelId: string | null;
  isDirect: boolean;
  /** The bot was mentioned or replied to. */
  addressed: boolean;
  messageId: string;
  authorId: string;
  authorName: string;
  content: string;
  replyToText: string | null;
  attachments: AttachmentInfo[];
  /** Sent while no bot process was connected: found by the catch-up after reconnecting. */
  sentWhileOffline?: boolean;
}

/** `deferred`: its author is past USER_TURNS_PER_MINUTE; the message waits, marked ⏳, for the minute to allow it. */
export type ReceiveResult = 'ignored' | 'duplicate' | 'queued' | 'deferred';

/** The reaction on a message that waits for its author's rate limit. */
export const DEFERRED_REACTION = '⏳';
/** Kept messages entering their conversations at once, at most (the rest follow at once, in the next batch). */
const RELEASE_BATCH = 100;
/** How soon releasing kept messages is tried again after it failed (the database was away). */
const RELEASE_RETRY_MS = 1000;

/** Where accepted messages go: the worker, woken for a queued agent or running a claimed one. */
export interface TurnScheduler {
  /** An agent was queued. */
  wake(): void;
  /** A slot for a turn claimed with the message that starts it; null when none is free. */
  reserve(): WorkerSlot | null;
}

/**
 * Decides whether the channel's agent answers a message and, if so, stores it and queues (or
 * claims) the agent in one atomic statement: from then on, nothing that happens to this process
 * loses it. Kept messages are released when their minute has come, by whichever process is up
 * then (each learns of those kept elsewhere by a signal).
 */
export class ChatService {
  private readonly releases: DueLoop;

  constructor(
    private readonly stores: EngineStores,
    private readonly personas: PersonaResolver,
    private readonly scheduler: TurnScheduler,
    private readonly gateway: ChatGateway,
    private readonly signals: ProcessSignals,
    private readonly logger: Logger,
    /** Addressed messages one person may send per rolling minute before they wait (0: no limit). */
    private readonly userTurnsPerMinute: number,
  ) {
    this.releases = new DueLoop(() => this.releaseDue(), { retryMs: RELEASE_RETRY_MS, failure: 'releasing kept messages failed; will retry' }, logger);
    signals.on('deferred', () => this.releases.kick());
  }

  /** Starts releasing kept messages (the first pass, those whose minute came while no process ran). */
  start(): void {
    this.releases.start();
  }

  stop(): Promise<void> {
    return this.releases.stop();
  }

  /** Looks for kept messages whose time has come now, not at the release time it knows of. */
  releaseDueNow(): void {
    this.releases.kick();
  }

  async receive(message: IncomingMessage): Promise<ReceiveResult> {
    const stored = withTokenCount({
      role: 'user',
      content: message.content,
      authorId: message.authorId,
      authorName: message.authorName,
      discordMessageId: message.messageId,
      replyToText: message.replyToText,
      attachments: message.attachments.length > 0 ? message.attachments : null,
      sentWhileOffline: message.sentWhileOffline ?? false,
    });
    // Spoken to, the channel's agent answers unless switched off: one round trip when it exists.
    if (message.addressed || message.isDirect) {
      const taken = await this.take(message.channelId, stored);
      if (taken) return taken;
    }
    const agent = await this.stores.agents.findByChannel(message.channelId);
    // In a DM every message is addressed to the bot, unless the DM's agent was switched off.
    const mode = agent?.replyMode === 'off' ? 'off' : message.isDirect ? 'all' : (agent?.replyMode ?? 'mention');
    if (mode === 'off') return 'ignored';
    if (mode === 'mention' && !message.addressed) return 'ignored';
    if (!agent) await this.stores.agents.getOrCreateChannelAgent(message, await this.personas.forNewAgent(message, message.parentChannelId));
    return (await this.take(message.channelId, stored)) ?? (await this.deferIfLimited(message, stored));
  }

  /**
   * Puts kept messages whose minute has come into their conversations and wakes their agents;
   * their ⏳ goes (each message is released once, whichever process does it).
   * @returns when to look again (ms): at once after a full batch, else when the next is due.
   */
  private async releaseDue(): Promise<number | null> {
    const released = await this.stores.agents.releaseDue(RELEASE_BATCH);
    for (const message of released) {
      if (message.queued) this.scheduler.wake();
      this.gateway
        .react({ channelId: message.channelId, messageId: message.discordMessageId, emoji: DEFERRED_REACTION, remove: true })
        .catch((error: unknown) => this.logger.warn({ err: error, messageId: message.discordMessageId }, 'could not take back the ⏳ reaction'));
    }
    return released.length === RELEASE_BATCH ? 0 : this.stores.agents.msToNextRelease();
  }

  /** Not stored: either a duplicate, or its author is past the limit and it is kept for later. */
  private async deferIfLimited(message: IncomingMessage, stored: NewMessage): Promise<ReceiveResult> {
    if (this.userTurnsPerMinute === 0) return 'duplicate';
    const until = await this.stores.agents.deferIfLimited(message.channelId, stored, this.userTurnsPerMinute);
    if (!until) return 'duplicate';
    this.releases.wakeBy(until);
    this.signals.send('deferred');
    this.logger.info({ channelId: message.channelId, authorId: message.authorId, until }, 'message kept: its author is past USER_TURNS_PER_MINUTE');
    // A chat message has no ephemeral reply: the reaction says it waits.
    await this.gateway
      .react({ channelId: message.channelId, messageId: message.messageId, emoji: DEFERRED_REACTION })
      .catch((error: unknown) => this.logger.warn({ err: error, messageId: message.messageId }, 'could not mark a kept message'));
    return 'deferred';
  }

  /**
   * Stores the message and queues the channel's agent — or claims the agent in the same
   * statement when it is at rest and this process has a free worker slot. Null when nothing was
   * stored (no agent, switched off, already stored, or its author is past the limit).
   */
  private async take(channelId: string, stored: NewMessage): Promise<'queued' | null> {
    const slot = this.scheduler.reserve();
    const accepted = await this.stores.agents.acceptIfListening(channelId, stored, slot?.lease, this.userTurnsPerMinute).catch((error: unknown) => {
      slot?.release();
      throw error;
    });
    if (slot && accepted?.claim) {
      slot.run(accepted.claim);
      return 'queued';
    }
    slot?.release();
    if (!accepted) return null;
    // A running agent picks the message up in its next turn by itself: no worker needs waking.
    if (accepted.agent.runState === 'queued') this.scheduler.wake();
    return 'queued';
  }
}
