import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import { DataDirLockedError } from '../db/dataDirLock.js';
import type { DatabaseHandle } from '../db/database.js';
import { committedMigrationCount, migrationStatus } from '../db/migrate.js';
import { DatabaseOpenError, openPglite, openPostgres, redactUrl } from '../db/openDatabase.js';
import { holdsDatabase } from '../db/pglite/firstStart.js';
import { silentLogger } from '../logger.js';
import { type CheckResult, describeError, fail, ok, warn } from './check.js';

/** Options of {@link checkDatabase}. */
export interface DatabaseCheckOptions {
  /** Upper bound on connecting to PostgreSQL (the configured timeout is meant for startup). Default 5 s. */
  connectTimeoutMs?: number;
}

/**
 * Opens the configured database (PGlite under DATA_DIR, or PostgreSQL at DATABASE_URL) and
 * compares the migrations applied to it with those committed. Never creates or migrates anything.
 */
export async function checkDatabase(config: Config, options: DatabaseCheckOptions = {}): Promise<CheckResult[]> {
  const { url, dataDir } = config.database;
  if (url) return checkPostgres(url, config, options);
  const directory = resolve(dataDir, 'pglite');
  // Opening an empty directory would create a database as a side effect.
  if (!holdsDatabase(directory)) return [checkFreshDirectory(directory)];
  let handle: DatabaseHandle;
  try {
    handle = await openPglite(directory, silentLogger());
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      return [
        warn(
          'database',
          `PGlite in ${directory} is in use by pid ${error.ownerPid} (the bot is probably running), so it was not opened`,
          'stop the bot to check its database here, or ask the running bot: its /healthz reports the database and migrations',
        ),
      ];
    }
    if (!(error instanceof DatabaseOpenError)) throw error;
    return [
      fail(
        'database',
        `cannot open PGlite in ${directory}: ${describeError(error.cause)}`,
        'check that DATA_DIR is writable and holds a PGlite database (or nothing), or point DATA_DIR elsewhere',
      ),
    ];
  }
  return inspect(handle, `PGlite in ${directory}`);
}

function checkFreshDirectory(directory: string): CheckResult {
  let existing = directory;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    return fail('database', `no database yet, and ${existing} is not writable`, 'make DATA_DIR writable by this user, or point DATA_DIR elsewhere');
  }
  const pending = committedMigrationCount();
  return ok('database', `no PGlite database yet: the bot creates one in ${directory} and applies ${pending} migration(s) on first start`);
}

async function checkPostgres(url: string, config: Config, options: DatabaseCheckOptions): Promise<CheckResult[]> {
  const connectTimeoutMs = Math.min(config.database.connectTimeoutMs, options.connectTimeoutMs ?? 5000);
  let handle: DatabaseHandle;
  try {
    handle = await openPostgres(url, { ...config.database, poolSize: 1, connectTimeoutMs }, silentLogger());
  } catch (error) {
    if (!(error instanceof DatabaseOpenError)) throw error;
    return [
      fail(
        'database',
        `cannot connect to ${redactUrl(url)} within ${Math.round(connectTimeoutMs / 1000)} s: ${describeError(error.cause)}`,
        'start PostgreSQL or make it reachable from here, and check the host, port, user, password and database name in DATABASE_URL',
      ),
    ];
  }
  return inspect(handle, `PostgreSQL at ${handle.location}`);
}

/** Reports the server version and the migration status, then closes the handle. */
async function inspect(handle: DatabaseHandle, where: string): Promise<CheckResult[]> {
  try {
    const [row] = await handle.rows<{ server_version: string }>(sql`show server_version`);
    const status = await migrationStatus(handle);
    const counts = `${status.applied}/${status.committed} applied`;
    return [
      ok('database', `${where} answers (PostgreSQL ${row?.server_version ?? 'unknown'})`),
      status.upToDate
        ? ok('migrations', counts)
        : status.applied < status.committed
          ? warn('migrations', `${counts}: ${status.committed - status.applied} pending`, 'nothing to do: the bot applies pending migrations when it starts')
          : fail(
              'migrations',
              `${counts}: the database was migrated by a newer Matryoshka`,
              'run the version that migrated this database, or restore a backup made with this version',
            ),
    ];
  } finally {
    await handle.close();
  }
}
