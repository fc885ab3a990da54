import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrationStatus, runMigrations } from '../../src/db/migrate.js';
import * as schema from '../../src/db/schema.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';

describe('committed migrations', () => {
  it('match the drizzle schema (run `npm run db:generate` after changing src/db/schema.ts)', async () => {
    const snapshots = readdirSync(join(MIGRATIONS_FOLDER, 'meta')).filter((name) => name.endsWith('_snapshot.json')).sort();
    const latest = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', snapshots.at(-1)!), 'utf8'));
    const current = generateDrizzleJson(schema as unknown as Record<string, unknown>, latest.id);
    expect(await generateMigration(latest, current)).toEqual([]);
  });
});

describe.each(testDrivers())('migrations on %s', (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
  });
  afterAll(() => database.destroy());

  it('are all applied, and applying them again changes nothing', async () => {
    expect(await migrationStatus(database)).toMatchObject({ upToDate: true });
    await runMigrations(database);
    const status = await migrationStatus(database);
    expect(status.applied).toBe(status.committed);
  });

  it('create every table of the schema', async () => {
    const tables = await database.rows<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      ['agents', 'deferred_messages', 'guild_settings', 'interaction_claims', 'memories', 'messages', 'outbox', 'personas', 'schedule_runs', 'schedules', 'spawn_calls', 'turns', 'usage'],
    );
  });
});
