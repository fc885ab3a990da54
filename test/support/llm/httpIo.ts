import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small helpers for reading requests and writing responses with Node's `http` module. */

/** The body OpenAI sends with an error status; the SDK reads `error.message` from it. */
export function openAiErrorBody(message: string, type: string, code: string | null = null): unknown {
  return { error: { message, type, param: null, code } };
}

/**
 * Sends `body` as JSON. The content type matters: without `application/json` the SDK returns the
 * raw string instead of parsing it.
 */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** The whole request body as text. */
export async function readBodyText(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Writes and waits until the bytes are handed to the socket, so that a cut that follows really
 * happens after them. Resolves `false` instead of throwing when the client has already gone.
 */
export function writeAndFlush(response: ServerResponse, data: string): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    response.write(data, (error) => resolve(!error));
  });
}

/** Drops the connection without a proper end: the client sees a reset or a truncated body. */
export function destroyConnection(response: ServerResponse): void {
  response.socket?.destroy();
  response.destroy();
}
