import { and, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import type { DispatchStore, MessageAction, OutboxItem } from '../../agents/ports.js';
import { type Lifecycle, isLive } from '../../agents/types.js';
import { type Database, type Executor, executeRows, msUntil } from '../database.js';
import { outbox } from '../schema.js';
import { wake } from './agentRepository.js';

interface ItemRow extends Record<string, unknown> {
  id: number | string;
  kind: OutboxItem['kind'];
  agent_id: number | string | null;
  channel_id: string;
  content: string;
  nonce: string;
  attempts: number;
  payload: { actions?: MessageAction[] } | null;
}

function toItem(row: ItemRow): OutboxItem {
  return {
    id: Number(row.id),
    kind: row.kind,
    agentId: row.agent_id === null ? null : Number(row.agent_id),
    channelId: row.channel_id,
    content: row.content,
    nonce: row.nonce,
    attempts: Number(row.attempts),
    actions: row.payload?.actions ?? [],
  };
}

/**
 * Header edits sent in one channel per second, whichever helpers they show: every header of a
 * tree sits in its root channel, whose Discord rate limit (about 5 posts and edits in 5 s) the
 * channel's chat shares. Pending edits of one header are coalesced into its newest meanwhile.
 */
export const HEADER_EDITS_PER_CHANNEL_SECOND = 2;

/**
 * The outbox's pending rows — headers, threads, header edits, result posts, notices — claimed by any
 * process's dispatcher for a while (`claimed_until`, `claimed_by`), so a dispatcher that died
 * mid-send leaves them to the next one — at once to a process that starts and sees it is gone
 * (`releaseClaimsOf`). Sending twice is harmless: posts carry their nonce, and a thread that
 * exists already is found again.
 */
export class DispatchRepository implements DispatchStore {
  constructor(private readonly db: Database) {}

  async claim(owner: string, options: { limit: number; holdMs: number; ids?: readonly number[] }): Promise<OutboxItem[]> {
    const only = options.ids ? sql` and id = any(${`{${options.ids.join(',')}}`}::bigint[])` : sql``;
    // A pass ends with a claim that finds nothing: one indexed read, not a transaction.
    const [due] = await executeRows<{ due: boolean }>(
      this.db,
      sql`select exists (select 1 from outbox where status = 'pending' and kind <> 'message'${only}
            and (not_before is null or not_before <= now()) and (claimed_until is null or claimed_until < now())) as due`,
    );
    if (!due?.due) return [];
    return this.db.transaction(async (tx) => {
      // Only the newest pending edit of a header is sent: it renders the helper as it is now.
      await tx.execute(sql`update outbox o set status = 'posted', posted_at = now()
          where o.kind = 'header_edit' and o.status = 'pending'
            and exists (select 1 from outbox n where n.kind = 'header_edit' and n.status = 'pending' and n.agent_id = o.agent_id and n.id > o.id)`);
      const rows = await executeRows<ItemRow>(
        tx,
        sql`update outbox set claimed_until = now() + ${options.holdMs} * interval '1 millisecond', claimed_by = ${owner}, attempts = attempts + 1
            where id in (
              select id from outbox
              where status = 'pending' and kind <> 'message'${only}
                and (not_before is null or not_before <= now()) and (claimed_until is null or claimed_until < now())
              order by id limit ${options.limit} for update skip locked)
            returning id, kind, agent_id, channel_id, content, nonce, payload, attempts - 1 as attempts`,
      );
      // An edit beyond its channel's rate waits until the oldest of that second's edits is a second old.
      const items: OutboxItem[] = [];
      const editsIn = new Map<string, { count: number; freeAt: Date }>();
      for (const row of rows.map(toItem)) {
        if (row.kind === 'header_edit') {
          const channel = editsIn.get(row.channelId) ?? (await this.headersPostedLastSecond(tx, row.channelId));
          if (channel.count >= HEADER_EDITS_PER_CHANNEL_SECOND) {
            await tx.execute(sql`update outbox set not_before = ${channel.freeAt.toISOString()}::timestamptz, claimed_until = null, attempts = attempts - 1 where id = ${row.id}`);
            editsIn.set(row.channelId, channel);
            continue;
          }
          editsIn.set(row.channelId, { count: channel.count + 1, freeAt: channel.freeAt });
        }
        items.push(row);
      }
      return items;
    });
  }

  private async headersPostedLastSecond(tx: Executor, channelId: string): Promise<{ count: number; freeAt: Date }> {
    const [recent] = await executeRows<{ count: number | string; free_at: string | Date }>(
      tx,
      sql`select count(*) as count, coalesce(min(posted_at), now()) + interval '1 second' as free_at from outbox
          where channel_id = ${channelId} and kind in ('header', 'header_edit') and status = 'posted' and posted_at > now() - interval '1 second'`,
    );
    return { count: Number(recent!.count), freeAt: new Date(recent!.free_at) };
  }

  async releaseClaimsOf(isDead: (owner: string) => boolean): Promise<number> {
    const claimed = and(eq(outbox.status, 'pending'), isNotNull(outbox.claimedBy), gt(outbox.claimedUntil, sql`now()`));
    const holders = await this.db.selectDistinct({ owner: outbox.claimedBy }).from(outbox).where(claimed);
    const dead = holders.map((holder) => holder.owner!).filter(isDead);
    if (dead.length === 0) return 0;
    const released = await this.db
      .update(outbox)
      .set({ claimedUntil: null })
      .where(and(claimed, inArray(outbox.claimedBy, dead)))
      .returning({ id: outbox.id });
    return released.length;
  }

  msToNextDue(): Promise<number | null> {
    // An item due now that the last claim did not take is being claimed by another process.
    return msUntil(this.db, sql`select min(coalesce(greatest(not_before, claimed_until), now())) as at from outbox where status = 'pending' and kind <> 'message'`);
  }

  async pendingFor(agentIds: readonly number[]): Promise<number[]> {
    const rows = await executeRows<{ id: number | string }>(
      this.db,
      sql`select id from outbox where status = 'pending' and kind in ('header', 'thread') and agent_id = any(${`{${agentIds.join(',')}}`}::bigint[]) order by id`,
    );
    return rows.map((row) => Number(row.id));
  }

  headerPosted(item: OutboxItem, messageId: string): Promise<number | null> {
    return this.db.transaction(async (tx) => {
      // The helper before its outbox row, as every transaction that locks both does.
      // The thread will have the header's id: a message in it finds its helper from now on.
      await tx.execute(sql`update agents set channel_id = ${messageId}, updated_at = now() where id = ${item.agentId} and channel_id is null`);
      await tx.execute(sql`update outbox set status = 'posted', posted_at = now(), discord_message_id = ${messageId} where id = ${item.id}`);
      const [thread] = await executeRows<{ id: number | string }>(
        tx,
        sql`insert into outbox (guild_id, agent_id, kind, channel_id, content, nonce)
            select guild_id, agent_id, 'thread', channel_id, coalesce(payload->>'threadName', 'helper'), 't' || ${item.nonce}
            from outbox where id = ${item.id}
            on conflict (nonce) do nothing
            returning id`,
      );
      return thread ? Number(thread.id) : null;
    });
  }

  threadOpened(item: OutboxItem): Promise<void> {
    return this.db.transaction(async (tx) => {
      const [helper] = await executeRows<{ lifecycle: Lifecycle }>(tx, sql`select lifecycle from agents where id = ${item.agentId} for no key update`);
      await tx.execute(sql`update outbox set status = 'posted', posted_at = now() where id = ${item.id}`);
      // Its first turn; a helper cancelled meanwhile keeps its thread but does not start.
      if (helper && isLive(helper.lifecycle)) await wake(tx, item.agentId!, 'machine');
    });
  }

  async sent(item: OutboxItem, messageId: string | null): Promise<void> {
    await this.db.execute(sql`update outbox set status = 'posted', posted_at = now(), discord_message_id = ${messageId} where id = ${item.id}`);
  }

  async failed(item: OutboxItem, error: string, retryInMs: number | null): Promise<void> {
    await this.db.execute(
      retryInMs === null
        ? sql`update outbox set status = 'failed', error = ${error} where id = ${item.id}`
        : sql`update outbox set error = ${error}, claimed_until = null, not_before = now() + ${retryInMs} * interval '1 millisecond' where id = ${item.id}`,
    );
  }
}
