import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { DatabaseHandle, DriverName } from '../../../src/db/database.js';
import { openPglite, openPostgres } from '../../../src/db/openDatabase.js';
import { silentLogger } from '../../../src/logger.js';
import { TEST_DATABASE_PREFIX, databaseUrlWithName } from './naming.js';

/** The drivers to run database tests on: PGlite always, the server when TEST_DATABASE_URL is set. */
export function testDrivers(): DriverName[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];
}

/** A migrated database of its own for one test file, and how to remove it. */
export interface TestDatabase extends DatabaseHandle {
  /** For PostgreSQL: the URL of this database, so a second process or pool can open it. */
  readonly url: string | undefined;
  /** For PGlite: the directory (a second open would need the first closed). */
  readonly directory: string | undefined;
  destroy(): Promise<void>;
}

export async function createTestDatabase(driver: DriverName): Promise<TestDatabase> {
  return driver === 'pglite' ? createPgliteTestDatabase() : createPostgresTestDatabase();
}

async function createPgliteTestDatabase(): Promise<TestDatabase> {
  const root = await mkdtemp(join(tmpdir(), 'matryoshka-test-'));
  const directory = join(root, 'pglite');
  await cp(inject('pgliteTemplate'), directory, { recursive: true });
  const handle = await openPglite(directory, silentLogger());
  return {
    ...handle,
    url: undefined,
    directory,
    destroy: async () => {
      await handle.close().catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const template = inject('postgresTemplate');
  if (!template) throw new Error('TEST_DATABASE_URL is not set: there is no PostgreSQL server to test on');
  const name = `${TEST_DATABASE_PREFIX}${template.runPid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(template.serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${template.templateName}"`);
  const url = databaseUrlWithName(template.serverUrl, name);
  const handle = await openPostgres(url, { dataDir: '', poolSize: 10, connectTimeoutMs: 5000 }, silentLogger());
  return {
    ...handle,
    url,
    directory: undefined,
    destroy: async () => {
      await handle.close().catch(() => {});
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
