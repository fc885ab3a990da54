import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { Logger } from 'pino';
import postgres from 'postgres';
import { lockDataDir } from './dataDirLock.js';
import { type Database, type DatabaseHandle, type Notifications, executeRows } from './database.js';
import { createPgliteDatabase, holdsNoDatabase } from './pglite/firstStart.js';
import { pgliteOptions } from './pglite/settings.js';
import { preparingClient } from './preparedStatements.js';
import * as schema from './schema.js';

export interface DatabaseOptions {
  /** postgres:// URL; absent means embedded PGlite under `dataDir`. */
  url?: string | undefined;
  dataDir: string;
  poolSize: number;
  /** How long to keep retrying an unreachable server before giving up. */
  connectTimeoutMs: number;
  /** Prepare every query on the server (postgres.js only; default true); see preparedStatements.ts. */
  preparedStatements?: boolean;
  /** Told the SQL of every statement run through drizzle (tests count them). */
  observeQuery?: QueryObserver | undefined;
}

export type QueryObserver = (query: string) => void;

/** The database could not be opened; `message` says what to do. */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/** Opens PGlite or a postgres.js pool, whichever the options name. @throws DatabaseOpenError */
export function openDatabase(options: DatabaseOptions, logger: Logger): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url, options, logger) : openPglite(resolve(options.dataDir, 'pglite'), logger, options.observeQuery);
}

/** The URL without its password, for logs and reports. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

function drizzleOptions(observeQuery: QueryObserver | undefined) {
  return { schema, ...(observeQuery ? { logger: { logQuery: (query: string) => observeQuery(query) } } : {}) };
}

function handleFor(db: Database, driver: DatabaseHandle['driver'], location: string, notifications: Notifications | null, close: () => Promise<void>): DatabaseHandle {
  return { db, driver, location, notifications, rows: (query) => executeRows(db, query), close };
}

/** Opens (creating if needed) an embedded database in `directory`, locked to this process. */
export async function openPglite(directory: string, logger: Logger, observeQuery?: QueryObserver): Promise<DatabaseHandle> {
  const unlock = lockDataDir(directory);
  let client: PGlite;
  try {
    if (holdsNoDatabase(directory)) await createPgliteDatabase(directory, logger);
    client = await PGlite.create(directory, pgliteOptions());
  } catch (error) {
    unlock();
    throw new DatabaseOpenError(
      `Could not open the PGlite database in ${directory}: ${(error as Error).message}. ` +
        'Check that the directory is writable and holds a PGlite database (or is empty), or set DATA_DIR elsewhere.',
      { cause: error },
    );
  }
  logger.info({ driver: 'pglite', directory }, 'database opened');
  const db = drizzlePglite(client, drizzleOptions(observeQuery)) as unknown as Database;
  return handleFor(db, 'pglite', directory, null, async () => {
    await client.close();
    unlock();
  });
}

/** Server answers that no retry will change, with what to do about them. */
const PERMANENT_REFUSALS: Record<string, string> = {
  '28P01': 'Check the user and password in DATABASE_URL.',
  '28000': 'Check the user in DATABASE_URL and the server\'s pg_hba.conf.',
  '3D000': 'Create the database, or fix its name in DATABASE_URL.',
};

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Connects a bounded pool, retrying with backoff while the server is unreachable. */
export async function openPostgres(url: string, options: DatabaseOptions, logger: Logger): Promise<DatabaseHandle> {
  const location = redactUrl(url);
  const client = postgres(url, {
    max: options.poolSize,
    onnotice: () => {},
    // Per attempt, in seconds: never longer than the whole budget, or one attempt against an
    // unanswering host would outlast DATABASE_CONNECT_TIMEOUT_SECONDS.
    connect_timeout: Math.max(1, Math.min(10, Math.ceil(options.connectTimeoutMs / 1000))),
  });
  const deadline = Date.now() + options.connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await client`select 1`;
      break;
    } catch (error) {
      const refusal = PERMANENT_REFUSALS[(error as { code?: string }).code ?? ''];
      if (refusal) {
        await client.end({ timeout: 1 });
        throw new DatabaseOpenError(`PostgreSQL at ${location} refused the connection: ${(error as Error).message}. ${refusal}`, { cause: error });
      }
      const waitMs = Math.min(500 * 2 ** (attempt - 1), 5000, Math.max(0, deadline - Date.now()));
      if (waitMs <= 0) {
        await client.end({ timeout: 1 });
        throw new DatabaseOpenError(
          `Could not connect to PostgreSQL at ${location} within ${Math.round(options.connectTimeoutMs / 1000)} s: ` +
            `${(error as Error).message}. Check that the server is running and DATABASE_URL is right.`,
          { cause: error },
        );
      }
      logger.warn({ attempt, location, err: error, retryInMs: waitMs }, 'database unreachable, retrying');
      await sleep(waitMs);
    }
  }
  logger.info({ driver: 'postgres', location }, 'database connected');
  const db = drizzlePostgres(options.preparedStatements === false ? client : preparingClient(client), drizzleOptions(options.observeQuery)) as unknown as Database;
  const notifications: Notifications = {
    listen: (channel, onNotify, onListen) => client.listen(channel, onNotify, onListen),
    notify: async (channel, payload) => {
      await client.notify(channel, payload);
    },
  };
  return handleFor(db, 'postgres', location, notifications, () => client.end({ timeout: 5 }));
}

/** True when the database answers a trivial query. */
export async function isReachable(handle: DatabaseHandle): Promise<boolean> {
  try {
    await handle.rows(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
