/** Every database the tests make starts with this, so the run can drop all of them after. */
export const TEST_DATABASE_PREFIX = 'matryoshka_test_';

export function databaseUrlWithName(serverUrl: string, databaseName: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
}
