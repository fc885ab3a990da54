import { setTimeout as delay } from 'node:timers/promises';
import type { Client, Message } from 'discord.js';
import type { Logger } from '../agents/logger.js';

/** A channel claimed for catch-up by this process, until `until` (the database's own time, as text). */
export interface CatchUpClaim {
  channelId: string;
  until: string;
  /** The newest Discord message id stored for the channel's agent, read under the claim. */
  newestStoredId: string | null;
}

/** What the catch-up needs from the database. */
export interface CatchUpStore {
  /** The newest Discord message id stored for each of these channels that has an agent (null: none stored). */
  newestStored(channelIds: readonly string[]): Promise<Map<string, string | null>>;
  /**
   * Claims a channel for `leaseMs`: the claim, 'busy' while another process holds it, or null
   * when there is nothing to claim (no agent, or another process has just finished).
   */
  claim(channelId: string, leaseMs: number): Promise<CatchUpClaim | 'busy' | null>;
  /** Ends this process's claim (a claim that expired and was taken over is left alone). */
  release(claim: CatchUpClaim): Promise<void>;
}

export interface CatchUpOptions {
  /** How far back a message may be to be caught up; 0 switches the catch-up off. */
  windowMs: number;
  /** Runs `work` in the channel's queue, after what is queued there and before what comes next. */
  inChannelOrder(channelId: string, work: () => Promise<void>): void;
  /** Takes a fetched message as a live one is taken, marked as sent while offline. */
  take(message: Message): Promise<void>;
}

/** Discord's snowflake clock starts at 2015-01-01: an id's top 42 bits are milliseconds since then. */
const DISCORD_EPOCH_MS = 1_420_070_400_000;

/** The smallest snowflake of a moment: every message sent at or after it has a larger or equal id. */
export function snowflakeAt(timestampMs: number): bigint {
  return BigInt(Math.max(0, timestampMs - DISCORD_EPOCH_MS)) << 22n;
}

/** Discord's page size for GET /channels/{id}/messages, the largest it allows. */
const PAGE_SIZE = 100;
/** Pages fetched per channel (1,000 messages); a channel busier than that while the bot was down keeps the rest unanswered. */
const MAX_PAGES_PER_CHANNEL = 10;
/** Channels caught up after one connection, most recently active first; the others are logged and left. */
const MAX_CHANNELS = 500;
/** Channels caught up at once; discord.js queues their requests within Discord's rate limits (and waits out 429s). */
const CHANNELS_AT_ONCE = 4;
/** A claim outlives the catch-up of one channel by far; one left by a dead process is taken over after it. */
const CLAIM_LEASE_MS = 60_000;
/** How often a channel claimed by another process is looked at again. */
const BUSY_RETRY_MS = 1000;

/**
 * After a fresh gateway connection, takes the messages sent while no process of the bot was
 * connected (or that reached one that died before storing them): Discord does not replay those
 * to a new session. Channels whose `lastMessageId` (from GUILD_CREATE) is newer than the newest
 * message stored for their agent are fetched from there, at most `windowMs` back, and each
 * message is taken oldest first through the channel's queue, as if it had just arrived. Live
 * messages of a channel wait in its queue until its catch-up is done, so the order is kept.
 * Channels without an agent and DMs are not caught up. A RESUME needs none: Discord replays.
 */
export class CatchUp {
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private channelsInFlight = 0;
  private readonly waitingForSlot: Array<() => void> = [];

  constructor(
    private readonly client: Client,
    private readonly store: CatchUpStore,
    private readonly options: CatchUpOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Call on Events.ShardReady (READY after a new identify; a resumed session emits ShardResume).
   * It queues each candidate channel synchronously, before discord.js hands out the events it
   * held back until ready.
   */
  afterReady(shardId: number): void {
    if (this.options.windowMs <= 0 || this.stopping.signal.aborted) return;
    const windowStart = snowflakeAt(Date.now() - this.options.windowMs);
    const candidates = new Map<string, bigint>();
    for (const channel of this.client.channels.cache.values()) {
      if (channel.isDMBased() || !channel.isTextBased() || channel.guild.shardId !== shardId || !channel.lastMessageId) continue;
      const last = BigInt(channel.lastMessageId);
      if (last > windowStart) candidates.set(channel.id, last);
    }
    if (candidates.size === 0) return;
    const selected = this.select(candidates);
    const done = selected.then(() => undefined);
    for (const [channelId, last] of candidates) {
      this.options.inChannelOrder(channelId, async () => {
        const chosen = await selected;
        if (chosen.has(channelId)) await this.catchUpChannel(channelId, last, windowStart);
      });
    }
    this.track(done);
  }

  /** Stops fetching and waits for what was being taken. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const release of this.waitingForSlot.splice(0)) release();
    await Promise.allSettled([...this.running]);
  }

  /** The channels behind their stored conversation, most recently active first, at most MAX_CHANNELS. */
  private async select(candidates: Map<string, bigint>): Promise<Set<string>> {
    try {
      const newest = await this.store.newestStored([...candidates.keys()]);
      const behind = [...newest]
        .filter(([channelId, stored]) => stored === null || candidates.get(channelId)! > BigInt(stored))
        .map(([channelId]) => channelId)
        .sort((left, right) => (candidates.get(right)! > candidates.get(left)! ? 1 : -1));
      if (behind.length > MAX_CHANNELS) this.logger.warn({ behind: behind.length, caughtUp: MAX_CHANNELS }, 'too many channels to catch up; the least recently active are left');
      if (behind.length > 0) this.logger.info({ channels: Math.min(behind.length, MAX_CHANNELS) }, 'catching up on messages sent while offline');
      return new Set(behind.slice(0, MAX_CHANNELS));
    } catch (error) {
      this.logger.error({ err: error }, 'catch-up could not read the stored conversations; messages sent while offline stay unanswered');
      return new Set();
    }
  }

  private async catchUpChannel(channelId: string, last: bigint, windowStart: bigint): Promise<void> {
    const work = this.catchUpWhenFree(channelId, last, windowStart).catch((error: unknown) =>
      this.logger.warn({ err: error, channelId }, 'catching up a channel failed; messages sent while offline there stay unanswered'),
    );
    this.track(work);
    await work;
  }

  /**
   * Catches the channel up under a claim, CHANNELS_AT_ONCE at a time; while another process holds
   * the channel's claim, waits for it (bounded by that claim's lease) without holding a slot.
   */
  private async catchUpWhenFree(channelId: string, last: bigint, windowStart: bigint): Promise<void> {
    for (let attempt = 0; attempt <= Math.ceil(CLAIM_LEASE_MS / BUSY_RETRY_MS); attempt += 1) {
      const outcome = await this.inSlot(() => this.catchUpClaimed(channelId, last, windowStart));
      if (outcome !== 'busy') return;
      await delay(BUSY_RETRY_MS, undefined, { signal: this.stopping.signal, ref: false }).catch(() => undefined);
    }
  }

  private async catchUpClaimed(channelId: string, last: bigint, windowStart: bigint): Promise<'busy' | 'done'> {
    const claim = await this.store.claim(channelId, CLAIM_LEASE_MS);
    if (claim === 'busy') return 'busy';
    if (!claim) return 'done';
    try {
      const stored = claim.newestStoredId === null ? 0n : BigInt(claim.newestStoredId);
      // Another process may have caught the channel up while this one waited for the claim.
      if (stored >= last) return 'done';
      const taken = await this.fetchAndTake(channelId, stored > windowStart ? stored : windowStart, last);
      this.logger.debug({ channelId, taken }, 'channel caught up');
      return 'done';
    } finally {
      await this.store.release(claim).catch((error: unknown) => this.logger.warn({ err: error, channelId }, 'could not release a catch-up claim; it expires by itself'));
    }
  }

  /**
   * Fetches the messages after `after` up to `last` (newer ones reach this session live), page by
   * page, oldest first, and takes each before fetching the next page.
   */
  private async fetchAndTake(channelId: string, after: bigint, last: bigint): Promise<number> {
    const channel = await this.client.channels.fetch(channelId);
    if (!channel?.isTextBased() || channel.isDMBased()) return 0;
    let cursor = after;
    let taken = 0;
    for (let page = 0; page < MAX_PAGES_PER_CHANNEL; page += 1) {
      const fetched = await channel.messages.fetch({ after: cursor.toString(), limit: PAGE_SIZE, cache: false });
      const messages = [...fetched.values()].sort((left, right) => (BigInt(left.id) < BigInt(right.id) ? -1 : 1));
      for (const message of messages) {
        if (BigInt(message.id) > last || this.stopping.signal.aborted) return taken;
        await this.options.take(message);
        taken += 1;
      }
      if (messages.length < PAGE_SIZE) return taken;
      cursor = BigInt(messages.at(-1)!.id);
    }
    this.logger.warn({ channelId, taken }, 'catch-up stopped at its page limit; later messages sent while offline stay unanswered');
    return taken;
  }

  /** Runs `work` when fewer than CHANNELS_AT_ONCE channels are being caught up; 'done' once stopping. */
  private async inSlot(work: () => Promise<'busy' | 'done'>): Promise<'busy' | 'done'> {
    while (this.channelsInFlight >= CHANNELS_AT_ONCE && !this.stopping.signal.aborted) {
      await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
    }
    if (this.stopping.signal.aborted) return 'done';
    this.channelsInFlight += 1;
    try {
      return await work();
    } finally {
      this.channelsInFlight -= 1;
      this.waitingForSlot.shift()?.();
    }
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }
}
