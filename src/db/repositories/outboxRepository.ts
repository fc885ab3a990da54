import { and, asc, eq, sql } from 'drizzle-orm';
import { LeaseLostError } from '../../agents/errors.js';
import type { OutboxStore } from '../../agents/ports.js';
import type { Agent, PostedChunk, TurnLease } from '../../agents/types.js';
import type { Database } from '../database.js';
import { outbox } from '../schema.js';
import { bindRow, insertSelect, returnedIds, sideEffect } from './boundValues.js';
import { bindLease, leaseHeld } from './claimColumns.js';

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
  private readonly remove;

  constructor(private readonly db: Database) {
    // Inserted as posted (the column defaults say pending), or updated after an edit.
    this.posted = returnedIds(
      db,
      sql`${insertSelect(outbox, [...CHUNK_KEYS, 'status', 'postedAt'], '', { status: sql`'posted'`, postedAt: sql`now()` })}
          where ${leaseHeld}
          on conflict (turn_id, chunk_index) do update
            set content = excluded.content, discord_message_id = excluded.discord_message_id, status = 'posted', attempts = outbox.attempts + 1
          returning id`,
    ).prepare('record_posted_chunk');
    // The fence is read on its own: a chunk never recorded is no lost lease.
    const fence = db.$with('fence', { held: sql<boolean>`held`.as('held') }).as(sql`select ${leaseHeld} as held`);
    const removed = sideEffect(
      db,
      'removed',
      sql`delete from ${outbox} where turn_id = ${sql.placeholder('turnId')} and chunk_index = ${sql.placeholder('chunkIndex')}
            and (select held from fence) returning id`,
    );
    this.remove = db.with(fence, removed).select({ held: fence.held }).from(fence).prepare('remove_chunk');
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

  async recordPosted(lease: TurnLease, chunk: PostedChunk & { agent: Agent; nonce: string }): Promise<void> {
    const row = { ...chunk, turnId: lease.turnId, guildId: chunk.agent.guildId, agentId: chunk.agent.id };
    const recorded = await this.posted.execute({ ...bindRow('', CHUNK_KEYS, row), ...bindLease(lease) });
    if (recorded.length === 0) throw new LeaseLostError(lease);
  }

  async removeChunk(lease: TurnLease, chunkIndex: number): Promise<void> {
    const [fence] = await this.remove.execute({ turnId: lease.turnId, chunkIndex, ...bindLease(lease) });
    if (!fence?.held) throw new LeaseLostError(lease);
  }
}
