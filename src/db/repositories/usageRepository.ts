import { and, eq, isNull, sql } from 'drizzle-orm';
import type { UsageRecord, UsageStore } from '../../agents/ports.js';
import type { UsageTotals } from '../../agents/types.js';
import type { Database } from '../database.js';
import { usage } from '../schema.js';
import { bindRow, placeholdersFor } from './boundValues.js';

export function usageRow(entry: UsageRecord): typeof usage.$inferInsert {
  return {
    guildId: entry.agent.guildId,
    channelId: entry.agent.channelId,
    userId: entry.userId,
    agentId: entry.agent.id,
    rootId: entry.agent.id,
    model: entry.model,
    purpose: entry.purpose,
    promptTokens: entry.promptTokens,
    completionTokens: entry.completionTokens,
  };
}

const USAGE_KEYS = ['guildId', 'channelId', 'userId', 'agentId', 'rootId', 'model', 'purpose', 'promptTokens', 'completionTokens'] as const satisfies ReadonlyArray<
  keyof typeof usage.$inferInsert
>;

/** A usage record's values as placeholders (see boundValues.ts), named with `prefix`. */
export function usagePlaceholders(prefix: string) {
  return placeholdersFor(prefix, USAGE_KEYS);
}

/** Binds a usage record to `usagePlaceholders(prefix)`. */
export function bindUsage(prefix: string, entry: UsageRecord): Record<string, unknown> {
  return bindRow(prefix, USAGE_KEYS, usageRow(entry));
}

/** Tokens per LLM call, and the totals /usage reports. */
export class UsageRepository implements UsageStore {
  constructor(private readonly db: Database) {}

  async record(entry: UsageRecord): Promise<void> {
    await this.db.insert(usage).values(usageRow(entry));
  }

  async totals(scope: { channelId: string } | { guildId: string } | { dmUserId: string }): Promise<UsageTotals> {
    const where =
      'channelId' in scope
        ? eq(usage.channelId, scope.channelId)
        : 'guildId' in scope
          ? eq(usage.guildId, scope.guildId)
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
