import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EmulatorState } from '../state.js';
import { sendJson } from './respond.js';

/** Handlers the HTTP server routes to, by path prefix. */
export interface HttpHandlers {
  /** `/api/v10/*`; `path` is what follows `/api/v10`. */
  rest(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): Promise<void>;
  /** `/_control/*` */
  control(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
  /** WebSocket upgrades on `/gateway` and `/gateway-resume`. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** GET /cdn/attachments/{channel}/{id}/{filename}: the bytes of an uploaded attachment. */
function serveAttachment(state: EmulatorState, url: URL, response: ServerResponse): void {
  const [, , , , attachmentId] = url.pathname.split('/');
  const attachment = attachmentId ? state.attachments.get(attachmentId) : undefined;
  if (!attachment) {
    sendJson(response, 404, { message: '404: Not Found', code: 0 });
    return;
  }
  state.cdnDownloads.push(attachment.id);
  response.writeHead(200, { 'content-type': attachment.contentType, 'content-length': attachment.bytes.length });
  response.end(attachment.bytes);
}

/** Creates the (not yet listening) HTTP server; handlers are attached once the port is known. */
export function createHttpServer(): Server {
  return createServer();
}

/** Routes requests and upgrades of `server` to the emulator's parts. */
export function attachHandlers(server: Server, state: EmulatorState, handlers: HttpHandlers): void {
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const done = (promise: Promise<void>) =>
      promise.catch((error: unknown) => {
        state.internalErrors.push(error instanceof Error ? error : new Error(String(error)));
        if (!response.headersSent) sendJson(response, 500, { message: '500: Emulator error', code: 0 });
        else response.end();
      });
    if (url.pathname.startsWith('/api/v10/')) done(handlers.rest(request, response, url.pathname.slice('/api/v10'.length), url.searchParams));
    else if (url.pathname.startsWith('/_control/')) done(handlers.control(request, response, url));
    else if (request.method === 'GET' && url.pathname.startsWith('/cdn/attachments/')) serveAttachment(state, url, response);
    else sendJson(response, 404, { message: '404: Not Found', code: 0 });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/gateway' || path === '/gateway-resume') handlers.upgrade(request, socket, head);
    else socket.destroy();
  });
}
