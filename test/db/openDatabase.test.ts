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
