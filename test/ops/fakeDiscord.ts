import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * Just enough of Discord for the operations tests: the REST routes `doctor` reads, and a gateway
 * that lets discord.js log in (HELLO, IDENTIFY → READY with no guilds, heartbeat ACKs). The full
 * emulator lives in test/support/discord; these tests move onto it once it has an entry point.
 */
export interface FakeDiscord {
  /** For DISCORD_API_URL. */
  readonly apiUrl: string;
  /** The token it accepts; any other gets 401. */
  readonly token: string;
  /** Application flags returned by /applications/@me (Message Content intent bits among them). */
  applicationFlags: number;
  /** Every request path seen, decoded. */
  readonly paths: string[];
  close(): Promise<void>;
}

export const BOT_USER = { id: '100000000000000001', username: 'matryoshka-test', discriminator: '0', avatar: null, bot: true };
export const APPLICATION_ID = '100000000000000002';
/** GATEWAY_MESSAGE_CONTENT: the privileged intent the bot asks for. */
export const MESSAGE_CONTENT = 1 << 18;

/** Starts the fake on a free local port. */
export async function startFakeDiscord(token: string): Promise<FakeDiscord> {
  const paths: string[] = [];
  const server: Server = createServer((request, response) => answerRest(request, response));
  const gateway = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeDiscord = {
    apiUrl: `http://127.0.0.1:${port}/api`,
    token,
    applicationFlags: MESSAGE_CONTENT,
    paths,
    close: async () => {
      for (const socket of gateway.clients) socket.terminate();
      await new Promise((resolve) => gateway.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };

  function answerRest(request: IncomingMessage, response: ServerResponse): void {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0]!);
    paths.push(path);
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bot ${token}`) return json(401, { message: '401: Unauthorized', code: 0 });
    if (path === '/api/v10/users/@me') return json(200, BOT_USER);
    if (path === '/api/v10/applications/@me') return json(200, { id: APPLICATION_ID, name: 'Matryoshka', flags: fake.applicationFlags });
    if (path === '/api/v10/gateway/bot') {
      const limit = { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 };
      return json(200, { url: `ws://127.0.0.1:${port}`, shards: 1, session_start_limit: limit });
    }
    json(404, { message: '404: Not Found', code: 0 });
  }

  gateway.on('connection', (socket) => {
    let sequence = 0;
    const send = (payload: object) => socket.send(JSON.stringify(payload));
    send({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null });
    socket.on('message', (data) => {
      const { op } = JSON.parse(String(data)) as { op: number };
      if (op === 1) send({ op: 11, d: null, s: null, t: null });
      if (op === 2) {
        send({
          op: 0,
          t: 'READY',
          s: ++sequence,
          d: {
            v: 10,
            user: BOT_USER,
            guilds: [],
            session_id: 'fake-session',
            resume_gateway_url: `ws://127.0.0.1:${port}`,
            application: { id: APPLICATION_ID, flags: fake.applicationFlags },
          },
        });
      }
    });
  });

  return fake;
}
