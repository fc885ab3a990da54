import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { DatabaseHandle } from './database.js';

/** The committed migrations, found the same way from `src/db` and from the built `dist/db`. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

// Any constant works: every Matryoshka process takes the same one around migrating.
const MIGRATION_LOCK_KEY = 0x6d617472;

/** Applies every migration not yet applied. Safe to run from several processes at once. */
export async function runMigrations(handle: DatabaseHandle): Promise<void> {
  if (handle.driver === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  // The drizzle migrator has no lock of its own: two processes starting together would both
  // apply the same migration. A session advisory lock, held on one reserved connection while
  // the pool migrates, makes the second wait and then find nothing to do.
  const client = (handle.db as unknown as { $client: import('postgres').Sql }).$client;
  const reserved = await client.reserve();
  try {
    await reserved`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await reserved`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    reserved.release();
  }
}

/** How many migrations the repository has, from drizzle-kit's journal. */
export function committedMigrationCount(): number {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export interface MigrationStatus {
  applied: number;
  committed: number;
  upToDate: boolean;
}

/** Compares the migrations applied to the database with those committed. */
export async function migrationStatus(handle: DatabaseHandle): Promise<MigrationStatus> {
  const committed = committedMigrationCount();
  let applied = 0;
  try {
    const [row] = await handle.rows<{ count: number }>(sql`select count(*)::int as count from drizzle.__drizzle_migrations`);
    applied = Number(row?.count ?? 0);
  } catch {
    applied = 0; // the bookkeeping table does not exist before the first migration
  }
  return { applied, committed, upToDate: applied === committed };
}
