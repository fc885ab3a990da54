import { type SQL, and, asc, desc, eq, getTableColumns, gt, inArray, lt, sql } from 'drizzle-orm';
import { LeaseLostError } from '../../agents/errors.js';
import type { MessageStore } from '../../agents/ports.js';
import type { Agent, AttachmentInfo, NewMessage, SearchHit, StoredMessage, ToolCall, TurnLease } from '../../agents/types.js';
import type { Database } from '../database.js';
import { messages } from '../schema.js';
import { bindRow, insertSelect, returnedIds } from './boundValues.js';
import { bindLease, leaseHeld, leaseHeldBy } from './claimColumns.js';
import { toStoredMessage } from './mappers.js';

/** What a prompt needs of a message: the fewer columns, the cheaper each row of a window. */
const readColumns = {
  id: messages.id,
  role: messages.role,
  content: messages.content,
  authorName: messages.authorName,
  replyToText: messages.replyToText,
  attachments: messages.attachments,
  toolCalls: messages.toolCalls,
  toolCallId: messages.toolCallId,
  toolName: messages.toolName,
  seenThroughId: messages.seenThroughId,
  inputKind: messages.inputKind,
  tokenCount: messages.tokenCount,
} satisfies Record<keyof StoredMessage, unknown>;

export function messageRow(agent: Pick<Agent, 'id' | 'guildId'>, message: NewMessage): typeof messages.$inferInsert {
  return { ...message, agentId: agent.id, guildId: agent.guildId };
}

/** The columns a new message sets (the rest keep their defaults). */
export const MESSAGE_KEYS = [
  'agentId',
  'guildId',
  'role',
  'content',
  'authorId',
  'authorName',
  'discordMessageId',
  'replyToText',
  'attachments',
  'toolCalls',
  'toolCallId',
  'toolName',
  'turnId',
  'seenThroughId',
  'sentWhileOffline',
  'inputKind',
  'actsFor',
  'tokenCount',
] as const satisfies ReadonlyArray<keyof typeof messages.$inferInsert>;

/** `insert into messages … select` with the new message's placeholders (see insertSelect). */
export function insertMessageSelect(prefix: string, columns: Parameters<typeof insertSelect<typeof messages, MessageKey>>[3] = {}) {
  return insertSelect(messages, MESSAGE_KEYS, prefix, columns);
}

type MessageKey = (typeof MESSAGE_KEYS)[number];

/** A placeholder bound to null would override a column's default: these are filled in. */
function withDefaults<Row extends Pick<NewMessage, 'sentWhileOffline' | 'inputKind'>>(row: Row): Row {
  return { ...row, sentWhileOffline: row.sentWhileOffline ?? false, inputKind: row.inputKind ?? 'chat' };
}

/** A new message as a `messages` row keyed by column name, for `jsonb_populate_record` (see deferral). */
export function messageAsColumns(message: NewMessage): Record<string, unknown> {
  const columns = getTableColumns(messages);
  const row: Partial<Record<MessageKey, unknown>> = withDefaults(message);
  return Object.fromEntries(MESSAGE_KEYS.map((key) => [columns[key].name, row[key] ?? null]));
}

/** `insert into messages … select` taking every column from `record` (a populated messages row) but the agent's. */
export function insertMessageFromRecord(record: string, agentId: SQL, guildId: SQL) {
  const columns = getTableColumns(messages);
  const fromRecord = Object.fromEntries(MESSAGE_KEYS.map((key) => [key, sql`${sql.identifier(record)}.${sql.identifier(columns[key].name)}`]));
  return insertMessageSelect('', { ...fromRecord, agentId, guildId });
}

/**
 * Binds a new message to `messagePlaceholders(prefix)`; without an agent, its agent and guild
 * are left for the statement to take from the agent's row.
 */
export function bindMessage(prefix: string, agent: Agent | null, message: NewMessage): Record<string, unknown> {
  const row = agent ? messageRow(agent, message) : message;
  // A placeholder bound to null would override the column's default.
  return bindRow(prefix, MESSAGE_KEYS, withDefaults(row), ['attachments', 'toolCalls']);
}

/** An agent's conversation: appends, windows newest-first by id, and full-text search. */
export class MessageRepository implements MessageStore {
  private readonly newest;
  private readonly newestBefore;
  private readonly appendFenced;

  constructor(private readonly db: Database) {
    this.appendFenced = returnedIds(db, sql`${insertMessageSelect('')} where ${leaseHeld} returning id`).prepare('append_to_turn');
    const window = (name: string, before?: SQL) =>
      db
        .select(readColumns)
        .from(messages)
        .where(and(eq(messages.agentId, sql.placeholder('agentId')), gt(messages.id, sql.placeholder('afterId')), before))
        .orderBy(desc(messages.id))
        .limit(sql.placeholder('limit'))
        .prepare(name);
    this.newest = window('newest_messages');
    this.newestBefore = window('newest_messages_before', lt(messages.id, sql.placeholder('beforeId')));
  }

  async append(agent: Agent, newMessages: NewMessage[]): Promise<StoredMessage[]> {
    if (newMessages.length === 0) return [];
    const rows = await this.db.insert(messages).values(newMessages.map((message) => messageRow(agent, message))).returning(readColumns);
    return rows.map(toStoredMessage);
  }

  async appendToTurn(lease: TurnLease, agent: Agent, message: NewMessage): Promise<void> {
    const appended = await this.appendFenced.execute({ ...bindMessage('', agent, message), ...bindLease(lease) });
    if (appended.length === 0) throw new LeaseLostError(lease);
  }

  async withPendingAttachments(agentId: number, afterId: number): Promise<StoredMessage[]> {
    const rows = await this.db
      .select(readColumns)
      .from(messages)
      .where(and(eq(messages.agentId, agentId), gt(messages.id, afterId), eq(messages.role, 'user'), sql`${messages.attachments} @> '[{"pending": true}]'`))
      .orderBy(asc(messages.id));
    return rows.map(toStoredMessage);
  }

  async completeAttachments(lease: TurnLease, messageId: number, update: { content: string; attachments: AttachmentInfo[]; tokenCount: number }): Promise<void> {
    const updated = await this.db
      .update(messages)
      .set(update)
      .where(and(eq(messages.id, messageId), leaseHeldBy(lease)))
      .returning({ id: messages.id });
    if (updated.length === 0) throw new LeaseLostError(lease);
  }

  async newestMessages(agentId: number, options: { afterId: number; beforeId?: number; limit: number }): Promise<StoredMessage[]> {
    const { afterId, beforeId, limit } = options;
    const rows = beforeId === undefined ? await this.newest.execute({ agentId, afterId, limit }) : await this.newestBefore.execute({ agentId, afterId, beforeId, limit });
    return rows.map(toStoredMessage);
  }

  async unansweredToolCalls(agentId: number, turnId: number): Promise<Array<{ call: ToolCall; seenThroughId: number | null }>> {
    const rows = await this.db
      .select({ role: messages.role, toolCalls: messages.toolCalls, toolCallId: messages.toolCallId, seenThroughId: messages.seenThroughId })
      .from(messages)
      .where(and(eq(messages.agentId, agentId), eq(messages.turnId, turnId), inArray(messages.role, ['assistant', 'tool'])))
      .orderBy(asc(messages.id));
    const answered = new Set(rows.flatMap((row) => (row.role === 'tool' && row.toolCallId ? [row.toolCallId] : [])));
    return rows.flatMap((row) => (row.toolCalls ?? []).filter((call) => !answered.has(call.id)).map((call) => ({ call, seenThroughId: row.seenThroughId })));
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
