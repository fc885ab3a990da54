import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

/** The drizzle API both drivers share; repositories are written against this alone. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle: inside `db.transaction`, always use it, never `db` (PGlite would deadlock). */
export type Transaction = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;
/** Either: repository methods accept both so that callers can compose them in one transaction. */
export type Executor = Database | Transaction;

export type DriverName = 'pglite' | 'postgres';

/** An open database: its drizzle API, the driver behind it, and how to close it. */
export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: DriverName;
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
