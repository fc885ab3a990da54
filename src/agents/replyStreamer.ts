import type { Logger } from './logger.js';
import { chunkNonce } from './nonce.js';
import type { ChatGateway, OutboxStore } from './ports.js';
import { splitReply } from './splitReply.js';
import type { Agent, PostedChunk, Turn } from './types.js';

/** Discord shows "typing…" for about 10 s; renew it a little before that. */
const TYPING_RENEW_MS = 8000;
/**
 * "Typing…" shows once the channel has waited this long for the first words: an answer that
 * comes sooner needs no indicator (it would only flicker), and each one is a REST call out of
 * the bot's 50 per second.
 */
const TYPING_DELAY_MS = 300;

/**
 * Shows a reply while it is generated: posted as soon as text arrives, edited at most once per
 * interval, split into Discord-sized messages. Each chunk's message id is saved the moment its
 * post returns, so a turn resumed after a crash edits what it already posted and posts only
 * what is missing (a post the crash cut off is deduplicated by its nonce).
 */
export class ReplyStreamer {
  private posted = new Map<number, PostedChunk>();
  private latestText = '';
  private lastFlushAt = 0;
  private flushScheduled = false;
  private typingTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly deps: { gateway: ChatGateway; outbox: OutboxStore; logger: Logger },
    private readonly agent: Agent,
    private readonly turn: Turn,
    private readonly editIntervalMs: number,
  ) {}

  /** Loads what an earlier attempt of this turn already posted, and arms the typing indicator. */
  async start(): Promise<void> {
    // Only a resumed turn (a later attempt) can have posted anything yet.
    if (this.turn.attempts > 1) {
      for (const chunk of await this.deps.outbox.postedChunks(this.turn.id)) this.posted.set(chunk.chunkIndex, chunk);
    }
    this.typingTimer = setTimeout(() => this.keepTyping(), TYPING_DELAY_MS);
  }

  /** The whole reply so far; shown now or at the next allowed edit. */
  update(text: string): void {
    if (this.closed || text === this.latestText) return;
    this.latestText = text;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.flushing = this.flushing
      .then(async () => {
        await this.waitForEditSlot();
        this.flushScheduled = false;
        if (!this.closed) await this.flush(this.latestText);
      })
      .catch((error: unknown) => this.deps.logger.warn({ err: error, turnId: this.turn.id }, 'streaming edit failed; the final edit will retry'));
  }

  /** Shows the final text and removes messages an earlier, longer attempt left over. */
  async finish(text: string): Promise<void> {
    this.stop();
    await this.flushing;
    this.latestText = text;
    if (this.needsEdit(text)) await this.waitForEditSlot();
    await this.flush(text);
    const count = splitReply(text).length;
    for (const [index, chunk] of this.posted) {
      if (index < count) continue;
      await this.deps.gateway.deleteMessage({ channelId: chunk.channelId, messageId: chunk.discordMessageId });
      await this.deps.outbox.removeChunk(this.turn.id, index);
      this.posted.delete(index);
    }
  }

  /** Stops streaming without a final text (the turn failed). */
  async abandon(): Promise<void> {
    this.stop();
    await this.flushing.catch(() => {});
  }

  private stop(): void {
    this.closed = true;
    clearTimeout(this.typingTimer);
    this.typingTimer = undefined;
  }

  /** Whether showing `text` changes a message already posted (posting new ones is not an edit). */
  private needsEdit(text: string): boolean {
    return splitReply(text).some((content, index) => {
      const existing = this.posted.get(index);
      return existing !== undefined && existing.content !== content;
    });
  }

  /** Waits until an edit is allowed: one per interval, counted from when the last one landed. */
  private async waitForEditSlot(): Promise<void> {
    const wait = this.lastFlushAt + this.editIntervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  private keepTyping(): void {
    if (this.closed || this.posted.size > 0) return;
    this.deps.gateway.sendTyping(this.agent.channelId).catch((error: unknown) => {
      this.deps.logger.debug({ err: error, channelId: this.agent.channelId }, 'typing indicator failed');
    });
    this.typingTimer = setTimeout(() => this.keepTyping(), TYPING_RENEW_MS);
  }

  private async flush(text: string): Promise<void> {
    const chunks = splitReply(text);
    for (const [index, content] of chunks.entries()) {
      const existing = this.posted.get(index);
      if (existing) {
        if (existing.content === content) continue;
        await this.deps.gateway.editMessage({ channelId: existing.channelId, messageId: existing.discordMessageId, content });
        await this.record({ ...existing, content });
        continue;
      }
      const channelId = this.agent.channelId;
      const messageId = await this.deps.gateway.postMessage({ channelId, content, nonce: chunkNonce(this.turn.id, index) });
      await this.record({ chunkIndex: index, channelId, discordMessageId: messageId, content });
      clearTimeout(this.typingTimer);
    }
    this.lastFlushAt = Date.now();
  }

  private async record(chunk: PostedChunk): Promise<void> {
    await this.deps.outbox.recordPosted({ ...chunk, turnId: this.turn.id, agent: this.agent, nonce: chunkNonce(this.turn.id, chunk.chunkIndex) });
    this.posted.set(chunk.chunkIndex, chunk);
  }
}
