import type { ServerResponse } from 'node:http';

/**
 * Sends a JSON response. discord.js only parses bodies whose Content-Type is application/json;
 * anything else reaches it as an ArrayBuffer and breaks success and error handling alike.
 */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Resolves after `milliseconds` (0 resolves on the next turn). */
export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
