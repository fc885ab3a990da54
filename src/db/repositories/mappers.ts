import type { Agent, Fact, StoredMessage } from '../../agents/types.js';
import type { agents, memories, messages } from '../schema.js';

/** Row → domain conversions: drizzle row types never leave src/db. */

export function toAgent(row: typeof agents.$inferSelect): Agent {
  return {
    id: row.id,
    guildId: row.guildId,
    channelId: row.channelId ?? '',
    kind: row.kind,
    persona: row.persona,
    replyMode: row.replyMode,
    runState: row.runState,
    lifecycle: row.lifecycle,
    depth: row.depth,
    parentId: row.parentId,
    rootId: row.rootId,
    treeId: row.treeId,
    task: row.task,
    briefing: row.briefing,
    actsFor: row.actsFor,
    homeChannelId: row.homeChannelId,
    tokenBudget: row.tokenBudget,
    deadlineAt: row.deadlineAt,
    createdAt: row.createdAt,
    historyStartId: row.historyStartId,
    summary: row.summary,
    summaryThroughId: row.summaryThroughId,
    wakeSeq: row.wakeSeq,
    noticeMessageId: row.noticeMessageId,
  };
}

export function toStoredMessage(row: Pick<typeof messages.$inferSelect, keyof StoredMessage>): StoredMessage {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    authorName: row.authorName,
    replyToText: row.replyToText,
    attachments: row.attachments,
    toolCalls: row.toolCalls,
    toolCallId: row.toolCallId,
    toolName: row.toolName,
    seenThroughId: row.seenThroughId,
    inputKind: row.inputKind,
    tokenCount: row.tokenCount,
  };
}

export function toFact(row: typeof memories.$inferSelect): Fact {
  return { id: row.id, content: row.content, authorId: row.authorId, createdAt: row.createdAt };
}
