import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { countTextTokens } from '../../../src/agents/tokens.js';
import { destroyConnection, writeAndFlush } from './httpIo.js';

/** Writing a server-sent event stream the way the OpenAI API does, with optional pacing and cuts. */

/** One `data:` event and how many completion tokens it carries (for pacing). */
export interface StreamEvent {
  data: string;
  tokens: number;
}

/** The terminator every OpenAI stream ends with; the SDK stops reading at it. */
export const DONE_EVENT: StreamEvent = { data: '[DONE]', tokens: 0 };

/** One event per chunk; the caller appends {@link DONE_EVENT} unless it means to cut the stream. */
export function chunkEvents(chunks: readonly ChatCompletionChunk[]): StreamEvent[] {
  return chunks.map((chunk) => ({ data: JSON.stringify(chunk), tokens: tokensInChunk(chunk) }));
}

function tokensInChunk(chunk: ChatCompletionChunk): number {
  let tokens = 0;
  for (const choice of chunk.choices) {
    tokens += countTextTokens(choice.delta.content ?? '');
    for (const call of choice.delta.tool_calls ?? []) {
      tokens += countTextTokens(call.function?.name ?? '') + countTextTokens(call.function?.arguments ?? '');
    }
  }
  return tokens;
}

/** How to deliver a stream. */
export interface StreamDelivery {
  /** Destroy the socket after this many events, or after the last one if there are fewer. */
  cutAfterEvents?: number;
  /** Wait `tokens / tokensPerSecond` seconds before each event. */
  tokensPerSecond?: number;
  /** After this many events, send nothing more and leave the connection open (a stalled provider). */
  stallAfterEvents?: number;
  /** Aborted when the server closes, so a slow stream never outlives it. */
  signal: AbortSignal;
}

/** Writes the SSE headers and `events`; resolves once the stream ended, was cut, or the client left. */
export async function writeEventStream(response: ServerResponse, events: readonly StreamEvent[], delivery: StreamDelivery): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // Headers go out now, so the SDK's call resolves before the first (possibly slow) event.
  response.flushHeaders();
  for (const [position, event] of events.entries()) {
    if (position === delivery.cutAfterEvents) {
      destroyConnection(response);
      return;
    }
    if (position === delivery.stallAfterEvents) return untilClosed(response, delivery.signal);
    if (delivery.tokensPerSecond && event.tokens > 0) {
      const waited = await pause((event.tokens / delivery.tokensPerSecond) * 1000, delivery.signal);
      if (!waited) return;
    }
    if (!(await writeAndFlush(response, `data: ${event.data}\n\n`))) return;
  }
  if (delivery.cutAfterEvents !== undefined) destroyConnection(response);
  else response.end();
}

/** Resolves once the client went away or the server is closing: how a stalled response ends. */
export function untilClosed(response: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (response.destroyed || signal.aborted) return resolve();
    response.once('close', () => resolve());
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Sleeps; resolves `false` when aborted, which is the normal way a slow stream meets `close()`. */
export async function pause(milliseconds: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(milliseconds, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}
