import { sql } from 'drizzle-orm';
import type { Claim, TurnResult } from '../../agents/ports.js';
import { type Lifecycle, isLive } from '../../agents/types.js';
import { type Executor, executeRows } from '../database.js';
import { endHelpers, settleBudget } from './treeRepository.js';

/**
 * What a helper's ended turn means for its tree, in the transaction that ended the turn: a
 * helper whose answer came with none of its children working (and no results or messages left
 * to read) is done, its answer its result; one with children still working waits for them; one
 * that people wrote to during the turn stays active, and its next turn (queued by their message)
 * answers them and may end it; a failed turn fails the helper. Follow-up turns of a helper that
 * ended already change nothing.
 */
export async function endHelperTurn(tx: Executor, claim: Claim, outcome: TurnResult, resultMaxTokens: number): Promise<{ queued: boolean }> {
  const answeredThrough = outcome.seenThroughId ?? claim.answeredThroughId;
  const [state] = await executeRows<{ lifecycle: Lifecycle; live_children: number | string; unread_results: boolean; unread_messages: boolean }>(
    tx,
    sql`select a.lifecycle,
          (select count(*) from agents c where c.parent_id = a.id and c.lifecycle in ('active', 'waiting')) as live_children,
          exists (select 1 from messages m where m.agent_id = a.id and m.input_kind = 'results' and m.id > ${answeredThrough}) as unread_results,
          exists (select 1 from messages m where m.agent_id = a.id and m.role = 'user' and m.input_kind = 'chat' and m.id > ${answeredThrough}) as unread_messages
        from agents a where a.id = ${claim.agent.id} for no key update`,
  );
  if (!state) return { queued: false };
  if (!isLive(state.lifecycle)) {
    await settleBudget(tx, claim.agent.id);
    return { queued: false };
  }
  if (outcome.status === 'failed') {
    return endHelpers(tx, [claim.agent.id], { lifecycle: 'failed', result: outcome.error ?? 'failed' }, resultMaxTokens);
  }
  // A turn that had nothing to answer (its input was answered already) is no answer.
  if (outcome.answer === undefined) return { queued: false };
  if (Number(state.live_children) > 0 || state.unread_results) {
    if (state.lifecycle === 'active') {
      await tx.execute(sql`update agents set lifecycle = 'waiting', updated_at = now() where id = ${claim.agent.id}`);
    }
    await tx.execute(sql`insert into outbox (guild_id, agent_id, kind, channel_id, content, nonce)
        select guild_id, id, 'header_edit', home_channel_id, '', 'e' || gen_random_uuid()::text from agents where id = ${claim.agent.id} and home_channel_id is not null`);
    return { queued: false };
  }
  // Someone steered it while this turn ran: ending it now would drop their message (ending
  // unqueues the helper) and send its spawner an answer that never saw it.
  if (state.unread_messages) return { queued: false };
  return endHelpers(tx, [claim.agent.id], { lifecycle: 'done', result: outcome.answer }, resultMaxTokens);
}
