import { and, eq, isNull, sql } from 'drizzle-orm';
import { LeaseLostError } from '../../agents/errors.js';
import type { UsageRecord, UsageStore } from '../../agents/ports.js';
import type { TurnLease, UsageTotals } from '../../agents/types.js';
import type { Database } from '../database.js';
import { usage } from '../schema.js';
import { bindRow, insertSelect, returnedIds } from './boundValues.js';
import { bindLease, leaseHeld } from './claimColumns.js';

export function usageRow(entry: UsageRecord): typeof usage.$inferInsert {
  return {
    guildId: entry.agent.guildId,
    // A helper's tokens count for the channel its tree works in, and for its tree's root agent.
    channelId: entry.agent.kind === 'helper' ? (entry.agent.homeChannelId ?? entry.agent.channelId) : entry.agent.channelId,
    userId: entry.userId,
    agentId: entry.agent.id,
    rootId: entry.agent.rootId ?? entry.agent.id,
    model: entry.model,
    purpose: entry.purpose,
    promptTokens: entry.promptTokens,
    completionTokens: entry.completionTokens,
  };
}

const USAGE_KEYS = ['guildId', 'channelId', 'userId', 'agentId', 'rootId', 'model', 'purpose', 'promptTokens', 'completionTokens'] as const satisfies ReadonlyArray<
  keyof typeof usage.$inferInsert
>;

/** `insert into usage … select` with a usage record's placeholders (see insertSelect). */
export function insertUsageSelect(prefix: string) {
  return insertSelect(usage, USAGE_KEYS, prefix);
}

/** Binds a usage record to `usagePlaceholders(prefix)`. */
export function bindUsage(prefix: string, entry: UsageRecord): Record<string, unknown> {
  return bindRow(prefix, USAGE_KEYS, usageRow(entry));
}

/** Tokens per LLM call, and the totals /usage reports. */
export class UsageRepository implements UsageStore {
  private readonly recordFenced;

  constructor(private readonly db: Database) {
    this.recordFenced = returnedIds(db, sql`${insertUsageSelect('')} where ${leaseHeld} returning id`).prepare('record_usage');
  }

  async record(lease: TurnLease, entry: UsageRecord): Promise<void> {
    const recorded = await this.recordFenced.execute({ ...bindUsage('', entry), ...bindLease(lease) });
    if (recorded.length === 0) throw new LeaseLostError(lease);
  }

  async totals(scope: { channelId: string } | { guildId: string } | { dmUserId: string } | { agentId: number }): Promise<UsageTotals> {
    const where =
      'channelId' in scope
        ? eq(usage.channelId, scope.channelId)
        : 'guildId' in scope
          ? eq(usage.guildId, scope.guildId)
          : 'agentId' in scope
            ? eq(usage.agentId, scope.agentId)
            : and(isNull(usage.guildId), eq(usage.userId, scope.dmUserId));
    const today = sql`${usage.createdAt} >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'`;
    const [row] = await this.db
      .select({
        promptToday: sql<number>`coalesce(sum(${usage.promptTokens}) filter (where ${today}), 0)`.mapWith(Number),
        completionToday: sql<number>`coalesce(sum(${usage.completionTokens}) filter (where ${today}), 0)`.mapWith(Number),
        promptTotal: sql<number>`coalesce(sum(${usage.promptTokens}), 0)`.mapWith(Number),
        completionTotal: sql<number>`coalesce(sum(${usage.completionTokens}), 0)`.mapWith(Number),
      })
      .from(usage)
      .where(where);
    return {
      today: { promptTokens: row?.promptToday ?? 0, completionTokens: row?.completionToday ?? 0 },
      total: { promptTokens: row?.promptTotal ?? 0, completionTokens: row?.completionTotal ?? 0 },
    };
  }
}
