import { createServer, type Server, type Socket, connect } from 'node:net';
import { sleep } from './random.js';

/**
 * A TCP proxy between the bot and PostgreSQL, so that the database can fail for the bot alone
 * (the shared server is never stopped): `cutAll()` resets every connection, as a server restart
 * or a network failure does; `refuse(ms)` also closes the listening socket, so that new
 * connections are refused (ECONNREFUSED) until it listens again on the same port.
 */
export class PgProxy {
  private readonly pairs = new Set<{ client: Socket; server: Socket }>();
  private server: Server | undefined;
  private port = 0;
  /** Connections cut so far, for the report. */
  cut = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on a free port of 127.0.0.1, forwarding to `targetUrl`'s host and port. */
  static async start(targetUrl: string): Promise<PgProxy> {
    const target = new URL(targetUrl);
    const proxy = new PgProxy(target.hostname, Number(target.port || 5432));
    await proxy.listen(0);
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }

  /** Resets every open connection (both sides). */
  cutAll(): number {
    const count = this.pairs.size;
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.server.destroy();
    }
    this.pairs.clear();
    this.cut += count;
    return count;
  }

  /** Cuts every connection and refuses new ones for `ms`. */
  async refuse(ms: number): Promise<void> {
    await this.closeListener();
    await sleep(ms);
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.closeListener();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => this.forward(client));
    // The port was just released; another process taking it in between is unlikely but possible.
    for (let attempt = 1; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
        await sleep(100);
      }
    }
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.server = server;
  }

  /** Stops listening and cuts what is open (close() alone would wait for every connection to end). */
  private async closeListener(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    this.cutAll();
    await closed;
  }

  private forward(client: Socket): void {
    const server = connect(this.targetPort, this.targetHost);
    const pair = { client, server };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', drop).on('close', drop);
    server.on('error', drop).on('close', drop);
    client.pipe(server);
    server.pipe(client);
  }
}
