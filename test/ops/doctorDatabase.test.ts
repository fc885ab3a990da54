import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openPglite } from '../../src/db/openDatabase.js';
import { checkDatabase } from '../../src/doctor/checkDatabase.js';
import { silentLogger } from '../../src/logger.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { freePort } from './processes.js';

/** Doctor's database check on its own, against real databases of both drivers. */
const configFor = (database: Record<string, string>) => loadConfig({ DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key', ...database });

describe.each(testDrivers())('checkDatabase with %s', (driver) => {
  let database: TestDatabase;
  let where: Record<string, string>;
  /** Runs SQL on the test database; PGlite is closed again so that doctor can open it. */
  let execute: (query: SQL) => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    if (driver === 'postgres') {
      where = { DATABASE_URL: database.url! };
      execute = async (query) => void (await database.rows(query));
    } else {
      await database.close();
      where = { DATA_DIR: dirname(database.directory!) };
      execute = async (query) => {
        const handle = await openPglite(database.directory!, silentLogger());
        await handle.rows(query).finally(() => handle.close());
      };
    }
  });
  afterAll(() => database.destroy());

  it('reports the server and every migration applied', async () => {
    expect(await checkDatabase(configFor(where))).toEqual([
      { name: 'database', status: 'ok', detail: expect.stringMatching(/ answers \(PostgreSQL \d+/) },
      { name: 'migrations', status: 'ok', detail: expect.stringMatching(/^(\d+)\/\1 applied$/) },
    ]);
  });

  it('warns about pending migrations, and fails on migrations newer than the code', async () => {
    await execute(sql`delete from drizzle.__drizzle_migrations`);
    const [, pending] = await checkDatabase(configFor(where));
    expect(pending).toEqual({
      name: 'migrations',
      status: 'warn',
      detail: expect.stringMatching(/^0\/\d+ applied: \d+ pending$/),
      fix: 'nothing to do: the bot applies pending migrations when it starts',
    });
    // More applied than this code has committed.
    await execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) select 'h' || n, n from generate_series(1, 100) n`);
    const [, newer] = await checkDatabase(configFor(where));
    expect(newer).toMatchObject({ status: 'fail', detail: expect.stringContaining('migrated by a newer Matryoshka') });
    expect(newer?.fix).toContain('restore a backup');
  });
});

describe('checkDatabase', () => {
  const temporary: string[] = [];
  afterAll(() => Promise.all(temporary.map((directory) => rm(directory, { recursive: true, force: true }))));

  it('leaves a fresh DATA_DIR alone: the bot creates the database on first start', async () => {
    const root = await mkdtemp(join(tmpdir(), 'matryoshka-doctor-'));
    temporary.push(root);
    const dataDir = join(root, 'data');
    expect(await checkDatabase(configFor({ DATA_DIR: dataDir }))).toEqual([
      { name: 'database', status: 'ok', detail: expect.stringMatching(/^no PGlite database yet: the bot creates one in .* on first start$/) },
    ]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('says clearly that a running bot holds the PGlite database, instead of failing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'matryoshka-doctor-'));
    temporary.push(root);
    // What a running bot leaves: a database, and a lock naming a live process other than this one.
    // (The lock is taken before PGlite opens anything, so a stand-in database is enough.)
    await mkdir(join(root, 'pglite'));
    await writeFile(join(root, 'pglite', 'PG_VERSION'), '18\n');
    await writeFile(join(root, 'pglite', 'matryoshka.lock'), String(process.ppid));
    const [result, ...more] = await checkDatabase(configFor({ DATA_DIR: root }));
    expect(more).toEqual([]);
    expect(result).toMatchObject({ status: 'warn', detail: expect.stringContaining(`is in use by pid ${process.ppid} (the bot is probably running)`) });
    expect(result?.fix).toContain('/healthz');
  });

  it('fails soon, with a fix and without the password, when PostgreSQL cannot be reached', async () => {
    const port = await freePort();
    const startedAt = Date.now();
    const results = await checkDatabase(configFor({ DATABASE_URL: `postgres://matryoshka:db-password@127.0.0.1:${port}/matryoshka` }), { connectTimeoutMs: 1000 });
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(results).toEqual([
      {
        name: 'database',
        status: 'fail',
        detail: `cannot connect to postgres://matryoshka:***@127.0.0.1:${port}/matryoshka within 1 s: connect ECONNREFUSED 127.0.0.1:${port}`,
        fix: expect.stringContaining('DATABASE_URL'),
      },
    ]);
  });
});
