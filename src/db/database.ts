import { type ExtractTablesWithRelations, type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

/** The drizzle API both drivers share; repositories are written against this alone. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle: inside `db.transaction`, always use it, never `db` (PGlite would deadlock). */
export type Transaction = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;
/** Either: repository methods accept both so that callers can compose them in one transaction. */
export type Executor = Database | Transaction;

export type DriverName = 'pglite' | 'postgres';

/** PostgreSQL's LISTEN/NOTIFY, on a server (processes sharing a PGlite database do not exist). */
export interface Notifications {
  /** LISTENs on a connection of its own; `onListen` follows every (re)connection of it. */
  listen(channel: string, onNotify: (payload: string) => void, onListen: () => void): Promise<{ unlisten(): Promise<void> }>;
  notify(channel: string, payload: string): Promise<void>;
}

/** An open database: its drizzle API, the driver behind it, and how to close it. */
export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: DriverName;
  /** Null on PGlite. */
  readonly notifications: Notifications | null;
  /** Where it is, safe to log (no password). */
  readonly location: string;
  /** Runs raw SQL and returns rows the same way on both drivers. */
  rows<Row extends Record<string, unknown>>(query: SQL): Promise<Row[]>;
  close(): Promise<void>;
}

/** `db.execute` returns `{ rows }` on PGlite and an array on postgres.js: this hides the difference. */
export async function executeRows<Row extends Record<string, unknown>>(executor: Executor, query: SQL): Promise<Row[]> {
  const result: unknown = await executor.execute(query);
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}

/**
 * Milliseconds from now until the time a `select min(…) as at` query returns (null: none), at
 * least 1 (a time already past is due now), measured on the database's clock, which is the one
 * the due rows are compared with.
 */
export async function msUntil(executor: Executor, query: SQL): Promise<number | null> {
  const [row] = await executeRows<{ ms: number | string | null }>(executor, sql`select extract(epoch from (at - now())) * 1000 as ms from (${query}) due`);
  return row?.ms == null ? null : Math.max(1, Math.ceil(Number(row.ms)));
}
