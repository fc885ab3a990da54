import { and, asc, eq, sql } from 'drizzle-orm';
import type { OutboxStore } from '../../agents/ports.js';
import type { Agent, PostedChunk } from '../../agents/types.js';
import type { Database } from '../database.js';
import { outbox } from '../schema.js';
import { bindRow, bound, placeholdersFor } from './boundValues.js';

const CHUNK_KEYS = ['guildId', 'agentId', 'turnId', 'chunkIndex', 'channelId', 'content', 'nonce', 'discordMessageId'] as const satisfies ReadonlyArray<
  keyof typeof outbox.$inferInsert
>;

/**
 * What a turn has posted to Discord, chunk by chunk, so that a resumed turn edits those instead
 * of posting them again. A chunk is recorded once its post returned: a crash in between is
 * covered by its nonce, derived from the turn and the chunk, which makes Discord return the
 * message already posted instead of posting it twice.
 */
export class OutboxRepository implements OutboxStore {
  private readonly posted;

  constructor(private readonly db: Database) {
    const chunk = placeholdersFor('', CHUNK_KEYS);
    this.posted = db
      .insert(outbox)
      .values({ ...chunk, status: 'posted', postedAt: sql`now()` })
      .onConflictDoUpdate({
        target: [outbox.turnId, outbox.chunkIndex],
        set: { content: bound('content'), discordMessageId: bound('discordMessageId'), status: 'posted', attempts: sql`${outbox.attempts} + 1` },
      })
      .prepare('record_posted_chunk');
  }

  async postedChunks(turnId: number): Promise<PostedChunk[]> {
    const rows = await this.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.turnId, turnId), eq(outbox.status, 'posted')))
      .orderBy(asc(outbox.chunkIndex));
    return rows.map((row) => ({
      chunkIndex: row.chunkIndex,
      channelId: row.channelId,
      discordMessageId: row.discordMessageId!,
      content: row.content,
    }));
  }

  async recordPosted(chunk: PostedChunk & { turnId: number; agent: Agent; nonce: string }): Promise<void> {
    const row = { ...chunk, guildId: chunk.agent.guildId, agentId: chunk.agent.id };
    await this.posted.execute(bindRow('', CHUNK_KEYS, row));
  }

  async removeChunk(turnId: number, chunkIndex: number): Promise<void> {
    await this.db.delete(outbox).where(and(eq(outbox.turnId, turnId), eq(outbox.chunkIndex, chunkIndex)));
  }
}
