import { LeaseLostError } from './errors.js';
import type { Logger } from './logger.js';
import { chunkNonce, errorNonce } from './nonce.js';
import type { ChatGateway, Claim, MessageAction, OutboxStore } from './ports.js';
import { splitReply } from './splitReply.js';
import type { PostedChunk } from './types.js';

/** Discord shows "typing…" for about 10 s; renew it a little before that. */
const TYPING_RENEW_MS = 8000;
/**
 * "Typing…" shows once the channel has waited this long for the first words: an answer that
 * comes sooner needs no indicator (it would only flicker), and each one is a REST call out of
 * the bot's 50 per second.
 */
const TYPING_DELAY_MS = 300;

/** How a turn's answer is posted. */
export interface PostingOptions {
  /** The first chunk replies to this Discord message. */
  replyTo?: string | undefined;
  silent?: boolean;
  /** The role the first chunk may ping (its mention is in the text the runtime wrote above the answer). */
  mentionRoleId?: string | null;
}

export interface StreamerDeps {
  gateway: ChatGateway;
  outbox: OutboxStore;
  logger: Logger;
}

/**
 * Shows a reply while it is generated: posted as soon as text arrives, edited at most once per
 * interval, split into Discord-sized messages. Each chunk's message id is saved as soon as its
 * post returns, so a turn resumed after a crash edits what it already posted and posts only what
 * is missing (a post the crash cut off is deduplicated by its nonce). A save that fails while the
 * database is away is kept and saved again by `save()` before the turn ends; what is on the
 * screen never waits for it. Once the turn's lease is lost (`turnAbort`), nothing more is posted.
 */
export class ReplyStreamer {
  private posted = new Map<number, PostedChunk>();
  /** Chunks shown but not yet saved. */
  private unsaved = new Set<number>();
  /** Chunks deleted from Discord whose records are still to go. */
  private removed = new Set<number>();
  /** Chunk 0 is the agent's failure notice, taken over: its Retry button goes with the first edit. */
  private noticeTakenOver = false;
  private latestText = '';
  private lastFlushAt = 0;
  private flushScheduled = false;
  private typingTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly deps: StreamerDeps,
    private readonly claim: Claim,
    private readonly editIntervalMs: number,
    private readonly turnAbort: AbortController,
    private readonly posting: PostingOptions = {},
  ) {}

  private get agent() {
    return this.claim.agent;
  }

  /** A helper's work in its thread notifies nobody (SUPPRESS_NOTIFICATIONS), nor does a schedule's unless asked to. */
  private get silent() {
    return this.claim.agent.kind === 'helper' || this.posting.silent === true;
  }

  /**
   * Loads what an earlier attempt of this turn already posted, takes over the agent's failure
   * notice as the first message, and arms the typing indicator.
   */
  async start(): Promise<void> {
    // Only a resumed turn (a later attempt) can have posted anything yet.
    if (this.claim.turn.attempts > 1) {
      for (const chunk of await this.deps.outbox.postedChunks(this.claim.turn.id)) this.posted.set(chunk.chunkIndex, chunk);
    }
    const notice = this.agent.noticeMessageId;
    if (notice && !this.posted.has(0)) {
      // Empty content: the first flush always edits it.
      this.posted.set(0, { chunkIndex: 0, channelId: this.agent.channelId, discordMessageId: notice, content: '' });
      this.noticeTakenOver = true;
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
      .catch((error: unknown) => this.deps.logger.warn({ err: error, turnId: this.claim.turn.id }, 'streaming edit failed; the final edit will retry'));
  }

  /**
   * Shows the final text and deletes messages an earlier, longer attempt left over.
   * @throws when Discord refused the final text, or the lease was lost.
   */
  async finish(text: string): Promise<void> {
    this.stop();
    await this.flushing;
    this.latestText = text;
    if (this.needsEdit(text)) await this.waitForEditSlot();
    await this.flush(text);
    const count = splitReply(text).length;
    for (const [index, chunk] of this.posted) {
      if (index < count) continue;
      this.throwIfAborted();
      await this.deps.gateway.deleteMessage({ channelId: chunk.channelId, messageId: chunk.discordMessageId });
      this.posted.delete(index);
      this.unsaved.delete(index);
      this.removed.add(index);
    }
  }

  /**
   * Saves what the reply shows: its chunks, and the removal of left-over ones. Saved parts are
   * not saved again, so a retry after a failure goes on from where it stopped.
   * @throws when the database failed, or the lease was lost.
   */
  async save(): Promise<void> {
    for (const index of [...this.removed]) {
      await this.deps.outbox.removeChunk(this.claim.lease, index);
      this.removed.delete(index);
    }
    await this.saveUnsaved();
  }

  /**
   * The turn failed: its partial reply is replaced by the notice (its first message edited into
   * it, the others deleted), or the notice is posted when nothing was shown.
   * @returns the message the agent's next answering turn takes over (null when there is none).
   */
  async fail(content: string, actions: MessageAction[]): Promise<string | null> {
    this.stop();
    await this.flushing.catch(() => {});
    const first = this.posted.get(0);
    if (this.turnAbort.signal.aborted) return null;
    const { gateway, logger } = this.deps;
    try {
      if (!first) return await gateway.postMessage({ channelId: this.agent.channelId, content, nonce: errorNonce(this.claim.turn.id), actions, silent: this.silent });
      await gateway.editMessage({ channelId: first.channelId, messageId: first.discordMessageId, content, actions });
      for (const [index, chunk] of this.posted) {
        if (index === 0) continue;
        await gateway.deleteMessage({ channelId: chunk.channelId, messageId: chunk.discordMessageId });
        await this.deps.outbox.removeChunk(this.claim.lease, index).catch((error: unknown) => logger.warn({ err: error, index }, 'could not forget a removed chunk'));
      }
    } catch (error) {
      logger.error({ err: error, agentId: this.agent.id }, 'could not show the failure notice');
    }
    // Even when the notice could not be shown, the next answer goes into what this turn showed.
    return first?.discordMessageId ?? null;
  }

  /** Stops without showing anything more (the lease was lost). */
  async abandon(): Promise<void> {
    this.stop();
    await this.flushing.catch(() => {});
  }

  private stop(): void {
    this.closed = true;
    clearTimeout(this.typingTimer);
    this.typingTimer = undefined;
  }

  private throwIfAborted(): void {
    if (this.turnAbort.signal.aborted) throw this.turnAbort.signal.reason;
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
      this.throwIfAborted();
      const existing = this.posted.get(index);
      if (existing) {
        if (existing.content === content) continue;
        const removeRetry = index === 0 && this.noticeTakenOver;
        await this.deps.gateway.editMessage({ channelId: existing.channelId, messageId: existing.discordMessageId, content, ...(removeRetry && { actions: [] }) });
        if (removeRetry) this.noticeTakenOver = false;
        await this.shown({ ...existing, content });
        continue;
      }
      const channelId = this.agent.channelId;
      const first = index === 0 ? this.posting : {};
      const messageId = await this.deps.gateway.postMessage({
        channelId,
        content,
        nonce: chunkNonce(this.claim.turn.id, index),
        silent: this.silent,
        ...(first.replyTo && { replyTo: first.replyTo }),
        ...(first.mentionRoleId && { mentionRoleIds: [first.mentionRoleId] }),
      });
      await this.shown({ chunkIndex: index, channelId, discordMessageId: messageId, content });
      clearTimeout(this.typingTimer);
    }
    this.lastFlushAt = Date.now();
  }

  /** A chunk is on the screen: remember it, and save it unless the database is away. */
  private async shown(chunk: PostedChunk): Promise<void> {
    this.posted.set(chunk.chunkIndex, chunk);
    this.unsaved.add(chunk.chunkIndex);
    await this.saveUnsaved().catch((error: unknown) => {
      if (error instanceof LeaseLostError) {
        this.turnAbort.abort(error);
        throw error;
      }
      this.deps.logger.warn({ err: error, turnId: this.claim.turn.id }, 'saving a posted chunk failed; it is saved again before the turn ends');
    });
  }

  private async saveUnsaved(): Promise<void> {
    for (const index of [...this.unsaved]) {
      const chunk = this.posted.get(index)!;
      await this.deps.outbox.recordPosted(this.claim.lease, { ...chunk, agent: this.agent, nonce: chunkNonce(this.claim.turn.id, index) });
      this.unsaved.delete(index);
    }
  }
}
