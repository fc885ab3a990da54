import type { ServerResponse } from 'node:http';
import { destroyConnection, openAiErrorBody, sendJson, writeAndFlush } from './httpIo.js';
import type { StreamEvent } from './sse.js';
import type { StatusFault } from './types.js';

/**
 * The faults that replace a response rather than shape its delivery. (Cut and slow streams are
 * delivery options of the SSE writer; hangs are simply never answered.)
 */

/** The `error.type` and message OpenAI uses for common statuses, so logs look familiar. */
function describeStatus(status: number): { type: string; message: string; code: string | null } {
  if (status === 429) return { type: 'requests', message: 'Rate limit reached (scripted).', code: 'rate_limit_exceeded' };
  if (status === 401) return { type: 'invalid_request_error', message: 'Incorrect API key provided (scripted).', code: 'invalid_api_key' };
  if (status >= 500) return { type: 'server_error', message: `The server had an error (scripted ${status}).`, code: null };
  return { type: 'invalid_request_error', message: `Scripted error status ${status}.`, code: null };
}

/** Answers with the fault's status, its `retry-after` header, and an OpenAI-shaped error body. */
export function sendStatusFault(response: ServerResponse, fault: StatusFault): void {
  const { type, message, code } = describeStatus(fault.status);
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
  sendJson(response, fault.status, fault.body ?? openAiErrorBody(message, type, code), headers);
}

/** A JSON prefix that cannot parse: what a proxy that died mid-body, or a broken server, sends. */
export const MALFORMED_JSON = '{"id": "chatcmpl-malformed", "object": "chat.completion", "choices": [{"index": 0, ';

/** Status 200, `application/json`, and a body that is not JSON: `response.json()` throws in the SDK. */
export function sendMalformedJson(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(MALFORMED_JSON) });
  response.end(MALFORMED_JSON);
}

/** The stream's events with one unparseable event after the first, where the SDK will choke. */
export function withMalformedEvent(events: readonly StreamEvent[]): StreamEvent[] {
  return [...events.slice(0, 1), { data: MALFORMED_JSON, tokens: 0 }, ...events.slice(1)];
}

/**
 * Announces the full `content-length`, sends the first half of `body`, then drops the connection,
 * so the client sees a body that ends early rather than a body that is merely invalid.
 */
export async function sendTruncatedJson(response: ServerResponse, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  await writeAndFlush(response, text.slice(0, Math.floor(text.length / 2)));
  destroyConnection(response);
}
