import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openPglite, openPostgres } from '../../../src/db/openDatabase.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { silentLogger } from '../../../src/logger.js';
import { TEST_DATABASE_PREFIX, databaseUrlWithName, isProcessAlive, runPidOf } from './naming.js';

/**
 * Migrates one template per driver before any test file runs: a PGlite directory that each
 * file copies, and a PostgreSQL database that each file clones with CREATE DATABASE … TEMPLATE.
 * Cloning is far faster than migrating per file, and every file gets a database of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = silentLogger();
  const templateRoot = await mkdtemp(join(tmpdir(), 'matryoshka-template-'));
  const pgliteTemplate = join(templateRoot, 'pglite');
  const pglite = await openPglite(pgliteTemplate, logger);
  await runMigrations(pglite);
  await pglite.close();
  project.provide('pgliteTemplate', pgliteTemplate);

  const serverUrl = process.env.TEST_DATABASE_URL;
  const templateName = `${TEST_DATABASE_PREFIX}template_${process.pid}`;
  if (serverUrl) {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await dropTestDatabases(admin, (runPid) => !isProcessAlive(runPid));
    await admin.unsafe(`create database "${templateName}"`);
    const template = await openPostgres(
      databaseUrlWithName(serverUrl, templateName),
      { dataDir: '', poolSize: 2, connectTimeoutMs: 5000 },
      logger,
    );
    await runMigrations(template);
    await template.close();
    await admin.end();
    project.provide('postgresTemplate', { serverUrl, templateName, runPid: process.pid });
  } else {
    project.provide('postgresTemplate', null);
  }

  return async () => {
    await rm(templateRoot, { recursive: true, force: true });
    if (serverUrl) {
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await dropTestDatabases(admin, (runPid) => runPid === process.pid);
      await admin.end();
    }
  };
}

/**
 * Drops the test databases of the runs `owned` selects: this run's at the end, and at the start
 * those of runs that died without cleaning up. Runs going on at the same time keep theirs.
 */
async function dropTestDatabases(admin: postgres.Sql, owned: (runPid: number) => boolean): Promise<void> {
  const candidates = await admin<{ datname: string }[]>`
    select datname from pg_database where datname like ${`${TEST_DATABASE_PREFIX}%`}`;
  for (const { datname } of candidates) {
    const runPid = runPidOf(datname);
    if (runPid !== undefined && owned(runPid)) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: { serverUrl: string; templateName: string; runPid: number } | null;
  }
}
