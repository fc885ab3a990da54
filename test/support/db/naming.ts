export { isProcessAlive } from '../../../src/db/dataDirLock.js';

/** Every database the tests make starts with this, so the run can drop all of them after. */
export const TEST_DATABASE_PREFIX = 'matryoshka_test_';

export function databaseUrlWithName(serverUrl: string, databaseName: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
}

/** The run's databases are named after the pid of the vitest process that made them. */
export function runPidOf(databaseName: string): number | undefined {
  const match = /^matryoshka_test_(?:template_)?(\d+)/.exec(databaseName);
  return match ? Number(match[1]) : undefined;
}
