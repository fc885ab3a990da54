import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { LOCK_FILE } from '../dataDirLock.js';
import { templateMismatch } from './template.js';

/** How long creating the database may take: from the template about 1 s, by initdb about 4 s (2 cores). */
export const PGLITE_CREATE_TIMEOUT_MS = 120_000;
/** The child's last words kept for the error message. */
const STDERR_TAIL_BYTES = 4096;

/** Whether the directory holds a PostgreSQL data directory (initdb writes PG_VERSION first). */
export function holdsDatabase(directory: string): boolean {
  return existsSync(join(directory, 'PG_VERSION'));
}

/** True when the (locked) directory holds no database yet. @throws Error when it holds files that are not one */
export function holdsNoDatabase(directory: string): boolean {
  if (holdsDatabase(directory)) return false;
  const others = readdirSync(directory).filter((name) => name !== LOCK_FILE);
  if (others.length > 0) throw new Error(`it holds files (${others.slice(0, 3).join(', ')}…) but no PostgreSQL database; move them away`);
  return true;
}

/**
 * Creates the database of a first start in a child process, so that this process never holds
 * the memory it takes, in a sibling folder moved into place in one rename: a start interrupted
 * at any point leaves the directory empty, and the next start begins again.
 */
export async function createPgliteDatabase(directory: string, logger: Logger): Promise<void> {
  const startedAt = performance.now();
  const mismatch = templateMismatch();
  if (mismatch) logger.warn({ reason: mismatch }, 'the shipped database template cannot be used; running initdb instead (slower)');
  const source = mismatch ? 'initdb' : 'template';
  const staging = `${directory}.creating`;
  rmSync(staging, { recursive: true, force: true });
  logger.info({ directory, source }, 'creating the database (first start)');
  await runChild(staging, source);
  // The lock moves in first, so the folder that arrives is locked; the directory left is empty,
  // which is what rename(2) requires of the directory it replaces.
  renameSync(join(directory, LOCK_FILE), join(staging, LOCK_FILE));
  renameSync(staging, directory);
  logger.info({ ms: Math.round(performance.now() - startedAt) }, 'database created');
}

function runChild(staging: string, source: 'template' | 'initdb'): Promise<void> {
  // Run from TypeScript (tsx, the tests), the child is TypeScript too and needs the same loader.
  const typescript = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./createDataDir.${typescript ? 'ts' : 'js'}`, import.meta.url));
  const loader = typescript ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  const child = spawn(process.execPath, [...loader, entry, staging, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), PGLITE_CREATE_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`creating it ${signal === 'SIGKILL' ? `took longer than ${PGLITE_CREATE_TIMEOUT_MS / 1000} s` : `failed (exit ${code ?? signal})`}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}
