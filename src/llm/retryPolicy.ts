import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ModelFailure } from '../agents/errors.js';

/** What went wrong with one attempt, and whether another attempt may help. */
export interface AttemptFailure {
  failure: ModelFailure;
  retryable: boolean;
  /** From the provider's retry-after header, when it sent one. */
  retryAfterMs?: number;
  detail: string;
}

/** The stream ended before the model said it was done. */
export class IncompleteStreamError extends Error {
  constructor() {
    super('the response stream ended before it was complete');
    this.name = 'IncompleteStreamError';
  }
}

/** The model kept us waiting past a limit: before its first chunk, between two, or in all. */
export class StreamTimeoutError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'StreamTimeoutError';
  }
}

/** Classifies an error thrown by one model call. */
export function classifyFailure(error: unknown): AttemptFailure {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof APIConnectionTimeoutError || error instanceof StreamTimeoutError) return { failure: 'timeout', retryable: true, detail };
  if (error instanceof APIConnectionError) return { failure: 'unavailable', retryable: true, detail };
  if (error instanceof APIError && error.status !== undefined) {
    const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after') ?? null);
    if (error.status === 429) return { failure: 'rate_limited', retryable: true, retryAfterMs, detail };
    if (error.status === 408 || error.status === 409 || error.status >= 500) {
      return { failure: 'unavailable', retryable: true, retryAfterMs, detail };
    }
    return { failure: 'rejected', retryable: false, detail };
  }
  if (error instanceof APIError) return { failure: 'invalid_response', retryable: true, detail };
  if (error instanceof IncompleteStreamError) return { failure: 'invalid_response', retryable: true, detail };
  if (error instanceof SyntaxError) return { failure: 'invalid_response', retryable: true, detail };
  return { failure: 'unavailable', retryable: true, detail };
}

/** Seconds or an HTTP date, as RFC 9110 allows; capped so a silly header cannot stall a turn. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), 60_000) : undefined;
}

/** Backoff before retry `attempt` (1-based): base, ×4, ×16… (1 s, 4 s, 16 s by default). */
export function backoffMs(attempt: number, baseMs: number): number {
  return baseMs * 4 ** (attempt - 1);
}
