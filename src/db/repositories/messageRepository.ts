import { and, asc, desc, eq, getTableColumns, gt, lt, sql } from 'drizzle-orm';
import type { MessageStore } from '../../agents/ports.js';
import type { Agent, NewMessage, SearchHit, StoredMessage } from '../../agents/types.js';
import type { Database } from '../database.js';
import { messages } from '../schema.js';
import { toStoredMessage } from './mappers.js';

/** Every column but the full-text vector, which only the database's search reads. */
const { search: _search, ...readColumns } = getTableColumns(messages);

export function messageRow(agent: Agent, message: NewMessage): typeof messages.$inferInsert {
  return { ...message, agentId: agent.id, guildId: agent.guildId };
}

/** An agent's conversation: appends, windows newest-first by id, and full-text search. */
export class MessageRepository implements MessageStore {
  constructor(private readonly db: Database) {}

  async append(agent: Agent, newMessages: NewMessage[]): Promise<StoredMessage[]> {
    if (newMessages.length === 0) return [];
    const rows = await this.db.insert(messages).values(newMessages.map((message) => messageRow(agent, message))).returning(readColumns);
    return rows.map(toStoredMessage);
  }

  async newestMessages(agentId: number, options: { afterId: number; beforeId?: number; limit: number }): Promise<StoredMessage[]> {
    const rows = await this.db
      .select(readColumns)
      .from(messages)
      .where(
        and(
          eq(messages.agentId, agentId),
          gt(messages.id, options.afterId),
          options.beforeId === undefined ? undefined : lt(messages.id, options.beforeId),
        ),
      )
      .orderBy(desc(messages.id))
      .limit(options.limit);
    return rows.map(toStoredMessage);
  }

  async oldestMessages(agentId: number, options: { afterId: number; limit: number }): Promise<StoredMessage[]> {
    const rows = await this.db
      .select(readColumns)
      .from(messages)
      .where(and(eq(messages.agentId, agentId), gt(messages.id, options.afterId)))
      .orderBy(asc(messages.id))
      .limit(options.limit);
    return rows.map(toStoredMessage);
  }

  async search(agentId: number, query: string, options: { limit: number; beforeId?: number }): Promise<SearchHit[]> {
    const tsQuery = sql`websearch_to_tsquery('simple', ${query})`;
    const rows = await this.db
      .select({
        id: messages.id,
        role: messages.role,
        authorName: messages.authorName,
        content: messages.content,
        createdAt: messages.createdAt,
      })
      .from(messages)
      .where(
        and(
          eq(messages.agentId, agentId),
          options.beforeId === undefined ? undefined : lt(messages.id, options.beforeId),
          sql`${messages.role} in ('user', 'assistant')`,
          sql`${messages.search} @@ ${tsQuery}`,
        ),
      )
      .orderBy(desc(sql`ts_rank(${messages.search}, ${tsQuery})`), desc(messages.id))
      .limit(options.limit);
    return rows;
  }
}
