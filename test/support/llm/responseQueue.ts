import type { ScriptedResponse } from './types.js';

/**
 * First-in, first-out scripted responses, each usable a number of times, so "fail the next three
 * calls with 500" is one entry rather than three.
 */
export class ResponseQueue {
  private readonly entries: Array<{ response: ScriptedResponse; remaining: number }> = [];

  /** Appends `response`, to be used for the next `times` requests once those before it are used. */
  enqueue(response: ScriptedResponse, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    this.entries.push({ response, remaining: times });
  }

  /** The next response, consuming one use of it; `undefined` when the queue is empty. */
  take(): ScriptedResponse | undefined {
    const head = this.entries[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) this.entries.shift();
    return head.response;
  }

  /** Uses left across all entries: 0 means every scripted response was consumed. */
  get size(): number {
    return this.entries.reduce((total, entry) => total + entry.remaining, 0);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
