import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { CatchUpClaim, CatchUpStore } from '../../discord/catchUp.js';
import type { Database } from '../database.js';
import { agents } from '../schema.js';

/** Channel ids per query: far below PostgreSQL's 65,535 parameters. */
const CHANNELS_PER_QUERY = 1000;

/**
 * The newest Discord message of the agent's conversation: that of its last stored message with
 * one (the index on `(agent_id, id)` reads it backwards). Messages of a channel are stored in
 * Discord's order, so this is the newest; where another process stored a newer one first, it is
 * older than the newest, and the catch-up only fetches again what is then a duplicate. A
 * conversation with no message left (after `/reset wipe:true`) falls back to the bot's last post
 * for the agent, so that the wiped messages are not taken again.
 */
const newestStoredId = sql<string | null>`coalesce(
  (select m.discord_message_id from messages m
    where m.agent_id = agents.id and m.discord_message_id is not null order by m.id desc limit 1),
  (select o.discord_message_id from turns t join outbox o on o.turn_id = t.id
    where t.agent_id = agents.id and o.discord_message_id is not null order by t.id desc, o.chunk_index desc limit 1))`;

/**
 * What the catch-up after a fresh gateway connection reads and claims. A claim is a lease in
 * `agents.catch_up_until`: while it runs, other processes leave the channel alone; a claim left by
 * a dead process expires by itself.
 */
export class CatchUpRepository implements CatchUpStore {
  constructor(private readonly db: Database) {}

  async newestStored(channelIds: readonly string[]): Promise<Map<string, string | null>> {
    const newest = new Map<string, string | null>();
    for (let start = 0; start < channelIds.length; start += CHANNELS_PER_QUERY) {
      const rows = await this.db
        .select({ channelId: agents.channelId, newest: newestStoredId })
        .from(agents)
        .where(inArray(agents.channelId, channelIds.slice(start, start + CHANNELS_PER_QUERY)));
      for (const row of rows) if (row.channelId !== null) newest.set(row.channelId, row.newest);
    }
    return newest;
  }

  async claim(channelId: string, leaseMs: number): Promise<CatchUpClaim | 'busy' | null> {
    const [claimed] = await this.db
      .update(agents)
      .set({ catchUpUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where(and(eq(agents.channelId, channelId), or(isNull(agents.catchUpUntil), lt(agents.catchUpUntil, sql`now()`))))
      .returning({ until: sql<string>`${agents.catchUpUntil}::text`, newest: newestStoredId });
    if (claimed) return { channelId, until: claimed.until, newestStoredId: claimed.newest };
    const [agent] = await this.db.select({ id: agents.id }).from(agents).where(and(eq(agents.channelId, channelId), isNotNull(agents.catchUpUntil)));
    return agent ? 'busy' : null;
  }

  async release(claim: CatchUpClaim): Promise<void> {
    // Only our own claim: one that expired and was taken over belongs to the other process now.
    await this.db
      .update(agents)
      .set({ catchUpUntil: null })
      .where(and(eq(agents.channelId, claim.channelId), eq(agents.catchUpUntil, sql`${claim.until}::timestamptz`)));
  }
}
