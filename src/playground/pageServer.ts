import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { DiscordApiError } from '../discordEmulator/errors.js';
import { InvalidJsonError, parseBody } from '../discordEmulator/http/body.js';
import { sendJson } from '../discordEmulator/http/respond.js';
import { type PageApiContext, PageRequestError, findPageRoute } from './pageApi.js';
import type { PageEvents } from './pageEvents.js';

/**
 * The page's own files. Two levels up is the project root from src/playground and from
 * dist/playground alike; the compiled build does not copy them, so both read them from src.
 */
const WEB_DIRECTORY = fileURLToPath(new URL('../../src/playground/web/', import.meta.url));
/** The UI library's ES modules, by the names the page's import map gives them. */
const VENDOR_MODULES: Record<string, string> = {
  'preact.mjs': fileURLToPath(import.meta.resolve('preact')),
  'preact-hooks.mjs': fileURLToPath(import.meta.resolve('preact/hooks')),
  'htm.mjs': fileURLToPath(import.meta.resolve('htm')),
};
const STATIC_FILE = /^[\w-]+\.(?:js|css|html|svg|png)$/;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
/** A page request's body: a message is at most 2,000 characters, a modal a few fields. */
const MAX_BODY_BYTES = 256 * 1024;

export interface PageServer {
  /** `http://host:port` as the console prints it. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the page, its modules, the JSON API and the event stream. */
export async function startPageServer(
  settings: { host: string; port: number },
  context: PageApiContext,
  events: PageEvents,
  logger: Logger,
): Promise<PageServer> {
  const server = createServer((request, response) => {
    handle(request, response, context, events, logger).catch((error: unknown) => {
      logger.error({ err: error, url: request.url }, 'playground request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'the playground failed to answer; see the log' });
      else response.destroy();
    });
  });
  await listen(server, settings);
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        events.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server, { host, port }: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `The playground cannot listen on ${host}:${port}: the port is in use. Set PLAYGROUND_PORT to another port (0 picks a free one).`
            : `The playground cannot listen on ${host}:${port}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

async function handle(request: IncomingMessage, response: ServerResponse, context: PageApiContext, events: PageEvents, logger: Logger): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://playground');
  const method = request.method ?? 'GET';
  if (method === 'GET' && url.pathname === '/') return sendFile(response, join(WEB_DIRECTORY, 'index.html'));
  if (method === 'GET' && url.pathname.startsWith('/static/')) {
    const name = url.pathname.slice('/static/'.length);
    return STATIC_FILE.test(name) ? sendFile(response, join(WEB_DIRECTORY, name)) : sendJson(response, 404, { error: 'no such file' });
  }
  if (method === 'GET' && url.pathname.startsWith('/vendor/')) {
    const path = VENDOR_MODULES[url.pathname.slice('/vendor/'.length)];
    return path ? sendFile(response, path, '.mjs') : sendJson(response, 404, { error: 'no such module' });
  }
  if (method === 'GET' && url.pathname === '/api/events') {
    if (!events.open(response)) sendJson(response, 503, { error: 'too many playground pages are open; close one' });
    return;
  }
  const route = findPageRoute(method, url.pathname);
  if ('status' in route) return sendJson(response, route.status, { error: `no playground endpoint ${method} ${url.pathname}` });
  try {
    const body = method === 'GET' ? {} : await readJsonBody(request);
    sendJson(response, 200, await route.handler(context, { params: route.params, body, query: url.searchParams }));
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // The emulator refuses what Discord would (DiscordApiError) and what its client could never send (Error): both are the page's to show.
    if (!(error instanceof PageRequestError || error instanceof InvalidJsonError)) logger.warn({ err: error, method, path: url.pathname }, 'the playground refused a request');
    sendJson(response, 400, { error: error.message, ...(error instanceof DiscordApiError ? { code: error.code } : {}) });
  }
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new PageRequestError(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const { json } = await parseBody(Buffer.concat(chunks), 'application/json');
  if (json === undefined) return {};
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PageRequestError('the request body must be a JSON object');
  return json as Record<string, unknown>;
}

async function sendFile(response: ServerResponse, path: string, extension = extname(path)): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return sendJson(response, 404, { error: 'no such file' });
  }
  response.writeHead(200, { 'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream', 'content-length': bytes.length, 'cache-control': 'no-cache' });
  response.end(bytes);
}
