import { Socket } from 'node:net';

/**
 * Counts the statements this process sends a PostgreSQL server, read from the frontend protocol
 * on its sockets: a simple query (`Q`) is one statement, and so is each `Execute` (`E`) of the
 * extended protocol, named after the text its `Bind` refers to (from the `Parse` that prepared it
 * on that connection). It stands in for pg_stat_statements, which needs the server started with
 * it preloaded, and it needs nothing from src/: installed by the bench's bot process before the
 * app starts (BENCH_COUNT_STATEMENTS=1), it wraps `write` of each socket that connects to the
 * server's port (other sockets are left alone) and reads the message headers of what is written.
 * In a CPU profile, those sockets' writes then appear under this file.
 */
export class StatementCounter {
  /** Executions by statement text (whitespace as sent). */
  private readonly counts = new Map<string, number>();
  private readonly connections = new WeakMap<Socket, Connection>();
  /** Writes to the server's sockets: each is a system call, and most a round trip. */
  private writes = 0;

  /** Starts counting what is written to `port` (the server's, from DATABASE_URL). */
  install(port: number): void {
    const connect = Socket.prototype.connect;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the patched methods need both `this`es
    const counter = this;
    Socket.prototype.connect = function patchedConnect(this: Socket, ...args: unknown[]) {
      // After connecting: `connect` puts the prototype's `write` back on a socket that has its own.
      const socket = (connect as (...args: unknown[]) => Socket).apply(this, args);
      if (connectPort(args) === port) {
        const write = this.write;
        this.write = function countedWrite(this: Socket, chunk: unknown, ...rest: unknown[]) {
          if (Buffer.isBuffer(chunk)) counter.read(this, chunk);
          return (write as (...args: unknown[]) => boolean).apply(this, [chunk, ...rest]);
        } as typeof write;
      }
      return socket;
    } as typeof connect;
  }

  /** Every count so far (cumulative: a reader takes differences). */
  snapshot(): { statements: Array<[text: string, count: number]>; writes: number } {
    return { statements: [...this.counts.entries()], writes: this.writes };
  }

  private read(socket: Socket, chunk: Buffer): void {
    this.writes += 1;
    let connection = this.connections.get(socket);
    if (!connection) this.connections.set(socket, (connection = { started: false, carry: null, prepared: new Map(), unnamed: '', bound: '', broken: false }));
    if (connection.broken) return;
    const bytes = connection.carry ? Buffer.concat([connection.carry, chunk]) : chunk;
    let offset = 0;
    while (offset < bytes.length) {
      if (!connection.started) {
        // The startup message and an SSL request carry no type byte: length, then a code.
        if (bytes.length - offset < 8) break;
        const length = bytes.readInt32BE(offset);
        if (bytes.length - offset < length) break;
        if (bytes.readInt32BE(offset + 4) !== SSL_REQUEST_CODE) connection.started = true;
        offset += length;
        continue;
      }
      if (bytes.length - offset < 5) break;
      const type = bytes[offset]!;
      const length = bytes.readInt32BE(offset + 1);
      if (length < 4) {
        connection.broken = true; // not the protocol (TLS, say): stop reading this socket
        return;
      }
      const end = offset + 1 + length;
      if (end > bytes.length) break;
      this.message(connection, type, bytes, offset + 5);
      offset = end;
    }
    connection.carry = offset < bytes.length ? Buffer.from(bytes.subarray(offset)) : null;
  }

  private message(connection: Connection, type: number, bytes: Buffer, body: number): void {
    switch (type) {
      case QUERY:
        this.count(cString(bytes, body).text);
        return;
      case PARSE: {
        const name = cString(bytes, body);
        const text = cString(bytes, name.next).text;
        if (name.text === '') connection.unnamed = text;
        else connection.prepared.set(name.text, text);
        return;
      }
      case BIND: {
        const portal = cString(bytes, body);
        const statement = cString(bytes, portal.next).text;
        connection.bound = statement === '' ? connection.unnamed : (connection.prepared.get(statement) ?? '(unknown statement)');
        return;
      }
      case EXECUTE:
        this.count(connection.bound);
        return;
    }
  }

  private count(text: string): void {
    this.counts.set(text, (this.counts.get(text) ?? 0) + 1);
  }
}

interface Connection {
  started: boolean;
  /** The start of a message whose end is in the next write. */
  carry: Buffer | null;
  prepared: Map<string, string>;
  unnamed: string;
  /** The text of the statement the last Bind named: what the next Execute runs. */
  bound: string;
  broken: boolean;
}

const SSL_REQUEST_CODE = 80877103;
const QUERY = 0x51; // 'Q'
const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const EXECUTE = 0x45; // 'E'

/** The port of `socket.connect(port, host)`, `connect({ port })` or Node's own normalised `[options, callback]`. */
function connectPort(args: unknown[]): number | null {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  const port = typeof first === 'object' && first !== null ? (first as { port?: unknown }).port : first;
  return port === undefined || port === null || typeof port === 'function' ? null : Number(port);
}

function cString(bytes: Buffer, start: number): { text: string; next: number } {
  const end = bytes.indexOf(0, start);
  const stop = end === -1 ? bytes.length : end;
  return { text: bytes.toString('utf8', start, stop), next: stop + 1 };
}

export type StatementSnapshot = ReturnType<StatementCounter['snapshot']>;

/** Statement counts between two snapshots, by the statement's label (see {@link statementLabel}). */
export function statementsBetween(before: StatementSnapshot['statements'], after: StatementSnapshot['statements']): Map<string, number> {
  const was = new Map(before);
  const byLabel = new Map<string, number>();
  for (const [text, count] of after) {
    const delta = count - (was.get(text) ?? 0);
    if (delta > 0) byLabel.set(statementLabel(text), (byLabel.get(statementLabel(text)) ?? 0) + delta);
  }
  return byLabel;
}

/** A statement's text on one line, cut short enough for a report line. */
export function statementLabel(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= LABEL_CHARACTERS ? line : `${line.slice(0, LABEL_CHARACTERS - 1)}…`;
}

const LABEL_CHARACTERS = 110;
