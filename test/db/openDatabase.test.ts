import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, openPostgres } from '../../src/db/openDatabase.js';
import { silentLogger } from '../../src/logger.js';
import { databaseUrlWithName } from '../support/db/naming.js';

const serverUrl = process.env.TEST_DATABASE_URL;

describe.runIf(serverUrl)('opening PostgreSQL', () => {
  it('fails at once, saying what to fix, when the database does not exist', async () => {
    const startedAt = performance.now();
    const failure = await openPostgres(
      databaseUrlWithName(serverUrl!, 'matryoshka_no_such_database'),
      { dataDir: '', poolSize: 1, connectTimeoutMs: 20_000 },
      silentLogger(),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseOpenError);
    expect((failure as Error).message).toContain('Create the database, or fix its name in DATABASE_URL.');
    // A retry cannot create the database: no waiting out the 20 s connect timeout.
    expect(performance.now() - startedAt).toBeLessThan(5000);
  });
});

describe.runIf(serverUrl)('prepared statements', () => {
  /** Which of two drizzle queries, one in a transaction, the pool's one connection holds prepared. */
  async function preparedAfterQueries(preparedStatements: boolean): Promise<string[]> {
    const handle = await openPostgres(serverUrl!, { dataDir: '', poolSize: 1, connectTimeoutMs: 5000, preparedStatements }, silentLogger());
    try {
      await handle.rows(sql`select ${1}::int as outside`);
      await handle.db.transaction((tx) => tx.execute(sql`select ${2}::int as inside`));
      const rows = await handle.rows<{ marker: string }>(
        sql`select substring(statement from 'as (outside|inside)') as marker from pg_prepared_statements where statement ~ 'as (outside|inside)' order by 1`,
      );
      return rows.map((row) => row.marker);
    } finally {
      await handle.close();
    }
  }

  it('prepares every query by default, inside transactions too', async () => {
    expect(await preparedAfterQueries(true)).toEqual(['inside', 'outside']);
  });

  it('prepares nothing when switched off (poolers in transaction mode)', async () => {
    expect(await preparedAfterQueries(false)).toEqual([]);
  });
});
