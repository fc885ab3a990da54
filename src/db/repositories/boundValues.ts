import { type SQL, type SQLWrapper, getTableColumns, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../database.js';

/*
 * Hot statements are built once, with placeholders, and bound at each execution: building a
 * drizzle query costs about as much CPU as running it. These helpers write `insert … select`
 * statements over a row's placeholders, bind a row to them, and make SQL-written statements
 * preparable.
 */

/** A placeholder where drizzle's types want SQL (an update's values). */
export function bound(name: string): SQL {
  return sql`${sql.placeholder(name)}`;
}

/**
 * The values of `row` for placeholders named `<prefix><key>`: every key bound (null when the row has none), and
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

/**
 * `insert into <table> (<columns of keys>) select <their placeholders, each cast to its column's
 * type>`: a row whose insert the rest of the statement (a `from`, a `where`) decides. `columns`
 * puts SQL of its own in place of some placeholders (e.g. values taken from a joined row).
 */
export function insertSelect<Table extends PgTable, Key extends keyof Table['$inferInsert'] & string>(
  table: Table,
  keys: readonly Key[],
  prefix: string,
  columns: Partial<Record<Key, SQL>> = {},
): SQL {
  const definitions = getTableColumns(table);
  const names = keys.map((key) => sql.identifier(definitions[key]!.name));
  const values = keys.map((key) => columns[key] ?? sql`${sql.placeholder(`${prefix}${key}`)}::${sql.raw(definitions[key]!.getSQLType())}`);
  return sql`insert into ${table} (${sql.join(names, sql`, `)}) select ${sql.join(values, sql`, `)}`;
}

/**
 * A data-modifying statement returning `id`, as a CTE: part of a larger statement (Postgres runs
 * every data-modifying CTE), or, read back with `returnedIds`, a statement of its own that
 * drizzle can prepare although it is written in SQL.
 */
export function sideEffect(db: Database, name: string, statement: SQLWrapper) {
  return db.$with(name, { id: sql<number>`id`.as('id') }).as(statement.getSQL());
}

/** A raw statement returning `id`, preparable: the ids it returned are read back from its CTE. */
export function returnedIds(db: Database, statement: SQLWrapper) {
  const effect = sideEffect(db, 'effect', statement);
  return db.with(effect).select({ id: effect.id }).from(effect);
}
