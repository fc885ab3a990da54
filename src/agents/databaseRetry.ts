import { LeaseLostError } from './errors.js';
import type { Logger } from './logger.js';

const FIRST_WAIT_MS = 200;
const LONGEST_WAIT_MS = 5000;

/**
 * Runs a write of a turn until it succeeds, waiting out a database that is unreachable or
 * restarting, for at most `deadlineMs`: a turn whose answer is shown must still end as answered.
 * A lost lease is final (another process holds the turn), and so is an aborted turn.
 * @throws the last error once the deadline has passed.
 */
export async function retryWrite<T>(write: () => Promise<T>, options: { deadlineMs: number; signal?: AbortSignal; logger: Logger; what: string }): Promise<T> {
  const giveUpAt = Date.now() + options.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (error instanceof LeaseLostError || options.signal?.aborted) throw error;
      const waitMs = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (attempt - 1));
      if (Date.now() + waitMs > giveUpAt) throw error;
      options.logger.warn({ err: error, attempt, waitMs }, `${options.what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
