import postgres from 'postgres';

/**
 * What the bot asked of PostgreSQL during a phase, from the server's own statistics for the
 * bench database: transactions (a statement outside a transaction counts as one), and per table
 * the index and sequential scans and the rows written. Divided by the turns, it tells which
 * queries a turn makes without instrumenting src/.
 */
export interface DbUse {
  transactions: number;
  tables: Map<string, TableUse>;
}

export interface TableUse {
  seqScans: number;
  indexScans: number;
  inserted: number;
  updated: number;
  deleted: number;
}

interface Snapshot {
  transactions: number;
  tables: Map<string, TableUse>;
}

export interface DbMeter {
  /** Starts a window; `stop` of the returned function ends it. */
  start(): Promise<() => Promise<DbUse>>;
  close(): Promise<void>;
}

/** The server publishes backend counters at most about once a second: wait that long before reading. */
const STATS_FLUSH_MS = 1100;

export function createDbMeter(databaseUrl: string): DbMeter {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const snapshot = async (): Promise<Snapshot> => {
    await new Promise((resolve) => setTimeout(resolve, STATS_FLUSH_MS));
    await client`select pg_stat_clear_snapshot()`;
    const [database] = await client<{ transactions: string }[]>`
      select xact_commit + xact_rollback as transactions from pg_stat_database where datname = current_database()`;
    const rows = await client<{ relname: string; seq_scan: string; idx_scan: string | null; n_tup_ins: string; n_tup_upd: string; n_tup_del: string }[]>`
      select relname, seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables`;
    const tables = new Map<string, TableUse>();
    for (const row of rows) {
      tables.set(row.relname, {
        seqScans: Number(row.seq_scan),
        indexScans: Number(row.idx_scan ?? 0),
        inserted: Number(row.n_tup_ins),
        updated: Number(row.n_tup_upd),
        deleted: Number(row.n_tup_del),
      });
    }
    return { transactions: Number(database?.transactions ?? 0), tables };
  };
  return {
    async start() {
      const before = await snapshot();
      return async () => difference(before, await snapshot());
    },
    close: () => client.end({ timeout: 1 }),
  };
}

function difference(before: Snapshot, after: Snapshot): DbUse {
  const tables = new Map<string, TableUse>();
  for (const [name, now] of after.tables) {
    const was = before.tables.get(name) ?? { seqScans: 0, indexScans: 0, inserted: 0, updated: 0, deleted: 0 };
    tables.set(name, {
      seqScans: now.seqScans - was.seqScans,
      indexScans: now.indexScans - was.indexScans,
      inserted: now.inserted - was.inserted,
      updated: now.updated - was.updated,
      deleted: now.deleted - was.deleted,
    });
  }
  // The meter's own queries are transactions too: three per snapshot.
  return { transactions: after.transactions - before.transactions - 3, tables };
}

/** Per turn (or per `unit`), e.g. `db per turn: 21.0 transactions; agents 6.0 idx scans, 4.0 updated; …`. */
export function dbLines(use: DbUse, turns: number, unit = 'turn'): string[] {
  const per = (value: number) => (value / turns).toFixed(1);
  const lines = [`db per ${unit}: ${per(use.transactions)} transactions (statements outside a transaction count one each)`];
  for (const [name, table] of [...use.tables.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const parts = [
      table.indexScans && `${per(table.indexScans)} index scans`,
      table.seqScans && `${per(table.seqScans)} seq scans`,
      table.inserted && `${per(table.inserted)} inserted`,
      table.updated && `${per(table.updated)} updated`,
      table.deleted && `${per(table.deleted)} deleted`,
    ].filter(Boolean);
    if (parts.length > 0) lines.push(`  ${name}: ${parts.join(', ')}`);
  }
  return lines;
}
