import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { MemoryStore } from '../../agents/ports.js';
import { storableText } from '../../agents/text.js';
import type { Agent, Fact } from '../../agents/types.js';
import type { Database } from '../database.js';
import { agents, memories } from '../schema.js';
import { toFact } from './mappers.js';

/** Facts and the rolling summary. */
export class MemoryRepository implements MemoryStore {
  private readonly newestFacts;

  constructor(private readonly db: Database) {
    this.newestFacts = db
      .select()
      .from(memories)
      .where(eq(memories.agentId, sql.placeholder('agentId')))
      .orderBy(desc(memories.id))
      .limit(sql.placeholder('limit'))
      .prepare('newest_facts');
  }

  async facts(agentId: number, limit: number): Promise<Fact[]> {
    const rows = await this.newestFacts.execute({ agentId, limit });
    return rows.reverse().map(toFact);
  }

  async addFact(agent: Agent, content: string, authorId: string | null): Promise<Fact> {
    const text = storableText(content);
    // One fact once: a turn resumed after a crash runs its interrupted `remember` call again.
    const [known] = await this.db.select().from(memories).where(and(eq(memories.agentId, agent.id), eq(memories.content, text))).limit(1);
    if (known) return toFact(known);
    const [row] = await this.db.insert(memories).values({ agentId: agent.id, guildId: agent.guildId, content: text, authorId }).returning();
    return toFact(row!);
  }

  async forgetFact(agentId: number, factId: number): Promise<boolean> {
    const deleted = await this.db
      .delete(memories)
      .where(and(eq(memories.agentId, agentId), eq(memories.id, factId)))
      .returning({ id: memories.id });
    return deleted.length > 0;
  }

  async clearFacts(agentId: number): Promise<number> {
    const deleted = await this.db.delete(memories).where(eq(memories.agentId, agentId)).returning({ id: memories.id });
    return deleted.length;
  }

  async countFacts(agentId: number): Promise<number> {
    const [row] = await this.db.select({ value: count() }).from(memories).where(eq(memories.agentId, agentId));
    return row?.value ?? 0;
  }

  async saveSummary(agentId: number, summary: string, throughId: number): Promise<void> {
    // One UPDATE: the summary and its cursor can never disagree, whatever fails.
    await this.db.update(agents).set({ summary, summaryThroughId: throughId, updatedAt: sql`now()` }).where(eq(agents.id, agentId));
  }
}
