/**
 * Seeded randomness, so that `CHAOS_SEED` replays the same kill moments, fault bursts and fault
 * choices. Two kinds: a stream (`Random`), consumed in order, for moments the suite schedules
 * itself; and a keyed draw (`Random.keyed`), for choices made when a request arrives, so that the
 * choice for one message does not depend on how requests of other channels interleaved.
 */
export class Random {
  private state: number;

  constructor(seed: string) {
    this.state = hashString(seed);
  }

  /** A float in [0, 1). mulberry32: small, fast and good enough for scheduling. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    return mix(this.state);
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max], both included. */
  integer(min: number, max: number): number {
    return Math.floor(this.between(min, max + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A float in [0, 1) that depends only on `seed` and `key`. */
  static keyed(seed: string, key: string): number {
    return mix(hashString(`${seed}\u0000${key}`));
  }
}

function mix(value: number): number {
  let t = value;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** FNV-1a, 32 bits. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
