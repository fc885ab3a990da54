import { and, eq, inArray } from 'drizzle-orm';
import type { Lifecycle, RunState } from '../../agents/types.js';
import type { Database } from '../database.js';
import { agents } from '../schema.js';

/** A helper's state as the playground's channel list shows it. */
export interface HelperStatus {
  lifecycle: Lifecycle;
  runState: RunState;
}

/** Threads per query: far below PostgreSQL's 65,535 parameters. */
const THREADS_PER_QUERY = 1000;

/** Reads the state of the helpers working in threads (a helper's channel is its thread). */
export class HelperStatusRepository {
  constructor(private readonly db: Database) {}

  /** The helpers of `guildId` working in `threadIds`, by thread id; threads without a helper are left out. */
  async statusesOf(guildId: string, threadIds: readonly string[]): Promise<Map<string, HelperStatus>> {
    const statuses = new Map<string, HelperStatus>();
    for (let start = 0; start < threadIds.length; start += THREADS_PER_QUERY) {
      const rows = await this.db
        .select({ channelId: agents.channelId, lifecycle: agents.lifecycle, runState: agents.runState })
        .from(agents)
        .where(and(eq(agents.guildId, guildId), eq(agents.kind, 'helper'), inArray(agents.channelId, threadIds.slice(start, start + THREADS_PER_QUERY))));
      for (const row of rows) if (row.channelId !== null) statuses.set(row.channelId, { lifecycle: row.lifecycle, runState: row.runState });
    }
    return statuses;
  }
}
