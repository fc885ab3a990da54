/** Milliseconds since the Unix epoch at which Discord's snowflake clock starts (2015-01-01). */
export const DISCORD_EPOCH = 1_420_070_400_000;

/**
 * Generates Discord-style snowflakes: decimal strings of a 64-bit integer whose top bits are the
 * creation time. discord.js derives `createdTimestamp` from the id with BigInt and `@discordjs/rest`
 * buckets routes by 17–19 digit ids, so ids must be real snowflakes, strictly increasing.
 */
export class SnowflakeGenerator {
  private lastTimestamp = 0;
  private increment = 0;

  /** Returns a new id, greater than every id this generator returned before. */
  next(now: number = Date.now()): string {
    let timestamp = Math.max(now, this.lastTimestamp);
    if (timestamp === this.lastTimestamp) {
      this.increment += 1;
      // 12 bits of increment per millisecond; borrow the next millisecond when they run out.
      if (this.increment >= 4096) {
        timestamp += 1;
        this.increment = 0;
      }
    } else {
      this.increment = 0;
    }
    this.lastTimestamp = timestamp;
    return this.position();
  }

  /** The greatest id `next()` returned (or was told to continue after): where a restored generator goes on from. */
  position(): string {
    const value = (BigInt(Math.max(this.lastTimestamp, DISCORD_EPOCH) - DISCORD_EPOCH) << 22n) | (1n << 17n) | BigInt(this.increment);
    return value.toString();
  }

  /** Makes every later id greater than `id` (a world restored from disk, whose clock may have been ahead). */
  continueAfter(id: string): void {
    const timestamp = snowflakeTimestamp(id);
    if (timestamp >= this.lastTimestamp) {
      this.lastTimestamp = timestamp;
      this.increment = 4095;
    }
  }

  private pastIncrement = 0;

  /**
   * An id created at `timestamp`, in the past: for messages sent earlier than now (a test of a
   * time window). It carries another worker id than `next()`'s, so the two never collide, and
   * leaves `next()`'s sequence alone.
   */
  at(timestamp: number): string {
    this.pastIncrement = (this.pastIncrement + 1) % 4096;
    const value = (BigInt(timestamp - DISCORD_EPOCH) << 22n) | (2n << 17n) | BigInt(this.pastIncrement);
    return value.toString();
  }
}

/** The creation time, in ms since the Unix epoch, encoded in a snowflake. */
export function snowflakeTimestamp(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

/** Compares two snowflakes numerically (they are too large for Number). */
export function compareSnowflakes(left: string, right: string): number {
  const a = BigInt(left);
  const b = BigInt(right);
  return a < b ? -1 : a > b ? 1 : 0;
}
