import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Health } from './health.js';

/**
 * The health server could not listen where HTTP_HOST and HTTP_PORT say. The message names both
 * and the fix, for a person to act on (doctor does not check the port: a running bot holds it).
 */
export class HttpListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
    cause: Error,
  ) {
    super(listenProblem(host, port, code, cause), { cause });
    this.name = 'HttpListenError';
  }
}

function listenProblem(host: string, port: number, code: string, cause: Error): string {
  const where = `HTTP_HOST ${host}, HTTP_PORT ${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return (
        `Cannot serve /healthz and /metrics on ${where}: port ${port} is already in use — by another Matryoshka ` +
        `(see http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}/healthz) or another program.\n` +
        `Stop that process, or set HTTP_PORT to a free port (HTTP_PORT=0 picks one).`
      );
    case 'EACCES':
      return `Cannot serve /healthz and /metrics on ${where}: this user may not listen on port ${port} (ports below 1024 need privileges).\nSet HTTP_PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot serve /healthz and /metrics on ${where}: ${host} is not an address of this machine.\nSet HTTP_HOST to 0.0.0.0 (every interface), 127.0.0.1 (this machine only) or one of its addresses.`;
    default:
      return `Cannot serve /healthz and /metrics on ${where}: ${cause.message}.\nCheck HTTP_HOST and HTTP_PORT.`;
  }
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (200 only when ready and every check passes, else 503) and `/metrics`.
 * @throws HttpListenError when it cannot listen there (port in use, not allowed, no such address).
 */
export async function startHttpServer(
  options: { host: string; port: number; health: Health; registry: Registry },
  logger: Logger,
): Promise<HttpServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const respond = async () => {
      if (request.method !== 'GET') {
        response.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/healthz') {
        const report = await options.health.report();
        response.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify(report));
      } else if (path === '/metrics') {
        const body = await options.registry.metrics();
        response.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    };
    respond().catch((error: unknown) => {
      logger.error({ err: error, path }, 'http request failed');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new HttpListenError(options.host, options.port, error.code ?? 'unknown', error)));
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: options.host, port }, 'http server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
