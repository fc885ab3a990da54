import postgres from 'postgres';
import type { DatabaseHandle } from '../src/db/database.js';
import { runMigrations } from '../src/db/migrate.js';
import { openPostgres } from '../src/db/openDatabase.js';
import { silentLogger } from '../src/logger.js';

/** A migrated database on the real server, for this run only. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  /** Opens a pool on it (the context-build phase uses the repositories directly). */
  open(poolSize?: number): Promise<DatabaseHandle>;
  /** Drops it, whatever is still connected. Safe to call twice. */
  drop(): Promise<void>;
}

function withDatabaseName(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Creates `<prefix>_<pid>` (`matryoshka_bench_<pid>` by default) and migrates it with the bot's
 * own migrations (unless `migrate: false`: the bot under test then migrates it itself). Named
 * after the pid so that two runs on one server never share (or drop) each other's database.
 */
export async function createBenchDatabase(
  serverUrl: string,
  options: { logStatements?: boolean; prefix?: string; migrate?: boolean } = {},
): Promise<BenchDatabase> {
  const name = `${options.prefix ?? 'matryoshka_bench'}_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const url = withDatabaseName(serverUrl, name);
  const open = (poolSize = 10) => openPostgres(url, { dataDir: '', poolSize, connectTimeoutMs: 5000 }, silentLogger());
  let dropped: Promise<void> | undefined;
  const drop = () =>
    (dropped ??= (async () => {
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end({ timeout: 1 });
      }
    })());
  try {
    // A leftover of an earlier run that had this pid and was killed before its cleanup.
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
    // Diagnostics: the server's log then shows every statement of this database, to count them per turn.
    if (options.logStatements) await admin.unsafe(`alter database "${name}" set log_statement = 'all'`);
    if (options.migrate !== false) {
      const handle = await open(2);
      try {
        await runMigrations(handle);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { name, url, open, drop };
}

/**
 * The life of a benchmark process: creates its database, runs `run` on it, drops it (on Ctrl-C
 * too), prints the total time and exits — at once, so that a socket or timer some library left
 * behind cannot keep a finished bench alive.
 */
export function runBench(serverUrl: string, options: Parameters<typeof createBenchDatabase>[1], run: (database: BenchDatabase) => Promise<void>): void {
  const startedAt = performance.now();
  const main = async () => {
    const database = await createBenchDatabase(serverUrl, options);
    // Ctrl-C: still drop the database (the finally below does not run on a signal).
    const onSignal = () => void database.drop().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      console.log(`bench database ${database.name}`);
      await run(database);
    } finally {
      await database.drop();
    }
    console.log(`\ndone in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  };
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('bench failed:', error);
      process.exit(1);
    },
  );
}
