import { type Placeholder, type SQL, sql } from 'drizzle-orm';

/*
 * Hot statements are built once, with placeholders, and bound at each execution: building a
 * drizzle query costs about as much CPU as running it. These helpers name the placeholders of
 * a row's columns and bind a row to them.
 */

/** A placeholder where drizzle's types want SQL (an update's values). */
export function bound(name: string): SQL {
  return sql`${sql.placeholder(name)}`;
}

/** `{ column: placeholder }` for an insert's values; `prefix` keeps two rows of one statement apart. */
export function placeholdersFor<Key extends string>(prefix: string, keys: readonly Key[]): Record<Key, Placeholder> {
  return Object.fromEntries(keys.map((key) => [key, sql.placeholder(`${prefix}${key}`)])) as Record<Key, Placeholder>;
}

/**
 * The values of `row` for those placeholders: every key bound (null when the row has none), and
 * JSON columns serialised, as drizzle does for values it binds itself.
 */
export function bindRow<Key extends string>(
  prefix: string,
  keys: readonly Key[],
  row: Partial<Record<Key, unknown>>,
  jsonKeys: readonly Key[] = [],
): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  for (const key of keys) {
    const value = row[key] ?? null;
    bound[`${prefix}${key}`] = value !== null && jsonKeys.includes(key) ? JSON.stringify(value) : value;
  }
  return bound;
}
