import { createHash } from 'node:crypto';
import type { EmulatorRateLimitOptions } from './options.js';

/**
 * A strict bucket for one route. `route` is the emulator's route key: method, space, pattern, e.g.
 * `POST /channels/:channelId/messages`. Each major parameter (channel, guild, webhook) gets its own
 * bucket, as on Discord.
 */
export interface RateLimitBucketRule {
  route: string;
  limit: number;
  windowMs: number;
}

/** The verdict for one request: headers to send, and whether it must be answered with 429. */
export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Seconds until the bucket refills (sent as `Retry-After` and `retry_after` on 429). */
  retryAfterSeconds: number;
}

interface BucketState {
  remaining: number;
  resetAt: number;
}

function seconds(milliseconds: number): string {
  return (Math.max(milliseconds, 0) / 1000).toFixed(3);
}

/**
 * Per-route buckets with Discord's headers. `@discordjs/rest` reads `X-RateLimit-*` to throttle
 * itself and, on 429, sleeps for `Retry-After` (not the body's `retry_after`) before retrying —
 * a 429 without that header would make it retry in a hot loop, so it is always sent.
 * @see https://discord.com/developers/docs/topics/rate-limits
 */
export class RateLimiter {
  private rules: RateLimitBucketRule[];
  private readonly buckets = new Map<string, BucketState>();

  constructor(private readonly options: EmulatorRateLimitOptions) {
    this.rules = [...options.buckets];
  }

  /** Adds or replaces the strict bucket of `rule.route`; its counters start fresh. */
  setBucket(rule: RateLimitBucketRule): void {
    this.rules = [...this.rules.filter((existing) => existing.route !== rule.route), rule];
    for (const key of this.buckets.keys()) if (key.startsWith(`${rule.route}\u0000`)) this.buckets.delete(key);
  }

  /** Removes strict buckets added with {@link setBucket} and forgets all counters. */
  reset(): void {
    this.rules = [...this.options.buckets];
    this.buckets.clear();
  }

  /** Counts one request on `route` for `majorParameter`; null when no rate limiting applies. */
  take(route: string, majorParameter: string, now: number = Date.now()): RateLimitDecision | null {
    const rule = this.rules.find((candidate) => candidate.route === route) ?? this.options.defaultBucket;
    if (!rule) return null;
    const key = `${route}\u0000${majorParameter}`;
    let bucket = this.buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { remaining: rule.limit, resetAt: now + rule.windowMs };
      this.buckets.set(key, bucket);
    }
    const allowed = bucket.remaining > 0;
    if (allowed) bucket.remaining -= 1;
    const resetAfter = bucket.resetAt - now;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(rule.limit),
      'x-ratelimit-remaining': String(bucket.remaining),
      'x-ratelimit-reset': seconds(bucket.resetAt),
      'x-ratelimit-reset-after': seconds(resetAfter),
      'x-ratelimit-bucket': createHash('sha1').update(route).digest('hex').slice(0, 16),
    };
    if (!allowed) {
      headers['retry-after'] = seconds(resetAfter);
      headers['x-ratelimit-scope'] = 'user';
    }
    return { allowed, headers, retryAfterSeconds: Math.max(resetAfter, 0) / 1000 };
  }
}
