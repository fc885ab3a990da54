import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteOptions } from '../../src/db/pglite/settings.js';
import { installedPgliteVersion, readTemplateManifest, templateMismatch } from '../../src/db/pglite/template.js';

const CREATE_DATA_DIR = fileURLToPath(new URL('../../src/db/pglite/createDataDir.ts', import.meta.url));

/** What initdb decides and writes: the server, the catalogs, the databases, the configuration. */
const FINGERPRINT_QUERIES: Record<string, string> = {
  version: 'select version()',
  control: 'select pg_control_version, catalog_version_no from pg_control_system()',
  databases: `select datname, pg_encoding_to_char(encoding) as encoding, datcollate, datctype, datlocprovider, datistemplate, datallowconn
              from pg_database order by datname`,
  roles: 'select rolname, rolsuper, rolcanlogin from pg_roles order by rolname',
  extensions: 'select extname, extversion from pg_extension order by extname',
  configured: `select name, setting from pg_settings where source = 'configuration file' order by name`,
  ...Object.fromEntries(
    Object.entries({
      namespaces: 'select nspname::text as item from pg_namespace',
      relations: "select concat_ws(':', relnamespace::regnamespace, relname, relkind) as item from pg_class",
      functions: "select concat_ws(':', pronamespace::regnamespace, proname, proargtypes) as item from pg_proc",
      types: "select concat_ws(':', typnamespace::regnamespace, typname) as item from pg_type",
      collations: "select concat_ws(':', collname, collprovider) as item from pg_collation",
    }).map(([name, items]) => [name, `select count(*)::int as count, md5(string_agg(item, ',' order by item)) as digest from (${items}) items`]),
  ),
};

async function createDataDir(directory: string, source: 'template' | 'initdb'): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', CREATE_DATA_DIR, directory, source]);
}

async function fingerprint(directory: string): Promise<Record<string, unknown>> {
  const database = await PGlite.create(directory, pgliteOptions());
  try {
    const result: Record<string, unknown> = {};
    for (const [name, query] of Object.entries(FINGERPRINT_QUERIES)) result[name] = (await database.query(query)).rows;
    return result;
  } finally {
    await database.close();
  }
}

describe('the shipped PGlite data directory', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'matryoshka-pglite-template-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('was built by the installed PGlite', () => {
    expect(readTemplateManifest()?.pglite).toBe(installedPgliteVersion());
    expect(templateMismatch()).toBeNull();
  });

  it('is what initdb of the installed PGlite creates', async () => {
    const fromTemplate = join(root, 'template');
    const fromInitdb = join(root, 'initdb');
    await Promise.all([createDataDir(fromTemplate, 'template'), createDataDir(fromInitdb, 'initdb')]);
    const [template, initdb] = [await fingerprint(fromTemplate), await fingerprint(fromInitdb)];
    expect((template.version as { version: string }[])[0]!.version).toBe(readTemplateManifest()?.postgres);
    expect((template.functions as { count: number }[])[0]!.count).toBeGreaterThan(2000);
    expect(template).toEqual(initdb);
  }, 120_000);
});
