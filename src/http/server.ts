import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Health } from './health.js';

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `/healthz` (200 only when ready and every check passes, else 503) and `/metrics`. */
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
    server.once('error', reject);
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
