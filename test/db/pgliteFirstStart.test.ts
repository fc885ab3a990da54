import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/db/dataDirLock.js';
import { DatabaseOpenError, openPglite } from '../../src/db/openDatabase.js';
import { silentLogger } from '../../src/logger.js';
import { recordingLogger } from '../support/log/recordingLogger.js';

describe('a first start on PGlite', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'matryoshka-first-start-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('creates the database from the shipped template, saying so, and keeps the directory locked', async () => {
    const directory = join(root, 'fresh');
    const { logger, records } = recordingLogger();
    const handle = await openPglite(directory, logger);
    try {
      expect(records().map((record) => record.msg)).toEqual(['creating the database (first start)', 'database created', 'database opened']);
      expect(records()[0]).toMatchObject({ directory, source: 'template' });
      expect(readFileSync(join(directory, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      expect(existsSync(`${directory}.creating`)).toBe(false);
      const [row] = await handle.rows<{ ok: number }>(sql`select 1 as ok`);
      expect(row?.ok).toBe(1);
    } finally {
      await handle.close();
    }
    expect(readdirSync(directory)).not.toContain(LOCK_FILE);
  });

  it('opens with the bot\'s PostgreSQL settings, and only creates once', async () => {
    const directory = join(root, 'settings');
    await (await openPglite(directory, silentLogger())).close();
    const { logger, records } = recordingLogger();
    const handle = await openPglite(directory, logger);
    try {
      expect(records().map((record) => record.msg)).toEqual(['database opened']);
      const rows = await handle.rows<{ name: string; setting: string }>(
        sql`select name, setting from pg_settings where name in ('shared_buffers', 'max_connections') order by name`,
      );
      // shared_buffers counts 8 kB pages: 16 MB.
      expect(rows).toEqual([
        { name: 'max_connections', setting: '8' },
        { name: 'shared_buffers', setting: '2048' },
      ]);
    } finally {
      await handle.close();
    }
  });

  it('starts over from what an interrupted first start left beside the directory', async () => {
    const directory = join(root, 'interrupted');
    mkdirSync(`${directory}.creating`, { recursive: true });
    writeFileSync(join(`${directory}.creating`, 'PG_VERSION'), '18\n');
    await (await openPglite(directory, silentLogger())).close();
    expect(existsSync(`${directory}.creating`)).toBe(false);
    expect(readFileSync(join(directory, 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
  });

  it('refuses a directory holding other files than a database, and leaves them alone', async () => {
    const directory = join(root, 'occupied');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'notes.txt'), 'mine');
    const failure = await openPglite(directory, silentLogger()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseOpenError);
    expect((failure as Error).message).toContain('it holds files (notes.txt…) but no PostgreSQL database; move them away');
    expect(readdirSync(directory)).toEqual(['notes.txt']);
  });
});
