import { type SQL, sql } from 'drizzle-orm';
import { LeaseLostError } from '../../agents/errors.js';
import type { HelperEnding, HelperView, SpawnOutcome, SpawnRequest, TreeStore } from '../../agents/ports.js';
import { withTokenCount } from '../../agents/promptMessages.js';
import { resultPost, resultsMessage } from '../../agents/tree/render.js';
import type { Lifecycle, RunState } from '../../agents/types.js';
import { type Database, type Executor, executeRows, msUntil } from '../database.js';
import { agents, messages, outbox, spawnCalls } from '../schema.js';
import { wake } from './agentRepository.js';
import { messageRow } from './messageRepository.js';

const LIVE = sql`('active', 'waiting')`;

/** Tokens an agent's model calls used, as the provider reported them. */
const usedBy = (agentId: SQL) => sql`coalesce((select sum(u.prompt_tokens + u.completion_tokens) from usage u where u.agent_id = ${agentId}), 0)`;

/** Names of a helper's helper ancestors, outermost first. */
const ancestorNames = sql`(with recursive up(id, parent_id, name, depth) as (
      select p.id, p.parent_id, p.persona->>'name', p.depth from agents p where p.id = a.parent_id and p.kind = 'helper'
      union all
      select p.id, p.parent_id, p.persona->>'name', p.depth from agents p join up on p.id = up.parent_id where p.kind = 'helper')
    select coalesce(json_agg(name order by depth), '[]'::json) from up)`;

const viewColumns = sql`a.id, a.guild_id, a.root_id, a.persona->>'name' as name, coalesce(a.task, '') as task, a.lifecycle, a.run_state,
    a.channel_id as thread_id, coalesce(a.home_channel_id, '') as home_channel_id, a.created_at, a.ended_at, a.result, a.acts_for,
    ${usedBy(sql`a.id`)} as tokens_used,
    (select count(*) from agents c where c.parent_id = a.id and c.lifecycle in ${LIVE}) as live_children,
    ${ancestorNames} as lineage`;

interface ViewRow extends Record<string, unknown> {
  id: number | string;
  guild_id: string | null;
  root_id: number | string;
  name: string;
  task: string;
  lifecycle: Lifecycle;
  run_state: RunState;
  thread_id: string | null;
  home_channel_id: string;
  created_at: string | Date;
  ended_at: string | Date | null;
  result: string | null;
  acts_for: string | null;
  tokens_used: number | string;
  live_children: number | string;
  lineage: string[] | string;
}

function toView(row: ViewRow): HelperView {
  return {
    id: Number(row.id),
    guildId: row.guild_id,
    rootId: Number(row.root_id),
    name: row.name,
    task: row.task,
    lifecycle: row.lifecycle,
    runState: row.run_state,
    threadId: row.thread_id,
    homeChannelId: row.home_channel_id,
    createdAt: new Date(row.created_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    result: row.result,
    actsFor: row.acts_for,
    tokensUsed: Number(row.tokens_used),
    liveChildren: Number(row.live_children),
    lineage: typeof row.lineage === 'string' ? (JSON.parse(row.lineage) as string[]) : row.lineage,
  };
}

async function views(executor: Executor, where: SQL): Promise<HelperView[]> {
  const rows = await executeRows<ViewRow>(executor, sql`select ${viewColumns} from agents a where ${where} order by a.id`);
  return rows.map(toView);
}

/**
 * Helper trees: spawning (limits checked under a per-guild lock, budgets carved in the same
 * transaction), ending (budgets returned, results delivered exactly once by whichever ending
 * brings its call's count of working children to zero, under that call's row lock).
 */
export class TreeRepository implements TreeStore {
  constructor(
    private readonly db: Database,
    /** HELPER_RESULT_MAX_TOKENS: the most of one result its spawner receives. */
    private readonly resultMaxTokens: number,
  ) {}

  spawn(request: SpawnRequest): Promise<SpawnOutcome> {
    return this.db.transaction(async (tx) => {
      const { spawner, lease } = request;
      const fence = lease ? sql` and lease_owner = ${lease.owner}` : sql``;
      const [locked] = await executeRows<{ token_budget: number | null; used: number | string }>(
        tx,
        sql`select token_budget, ${usedBy(sql`${spawner.id}::bigint`)} as used from agents where id = ${spawner.id}${fence} for no key update`,
      );
      if (!locked) {
        if (lease) throw new LeaseLostError(lease);
        return { refused: 'the spawning agent no longer exists' };
      }
      const guildId = spawner.guildId!;
      // One spawn per guild at a time: the live count read below stays true until commit.
      await tx.execute(sql`insert into guild_settings (guild_id) values (${guildId}) on conflict (guild_id) do nothing`);
      await tx.execute(sql`select 1 from guild_settings where guild_id = ${guildId} for update`);
      const [counts] = await executeRows<{ live: number | string; today: number | string }>(
        tx,
        sql`select
              (select count(*) from agents where guild_id = ${guildId} and kind = 'helper' and lifecycle in ${LIVE}) as live,
              (select coalesce(sum(u.prompt_tokens + u.completion_tokens), 0) from usage u join agents h on h.id = u.agent_id
                 where u.guild_id = ${guildId} and h.kind = 'helper'
                   and u.created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') as today`,
      );
      const plan = request.plan({
        liveInGuild: Number(counts!.live),
        helperTokensToday: Number(counts!.today),
        spawnerRemaining: spawner.kind === 'helper' ? (locked.token_budget ?? 0) - Number(locked.used) : null,
      });
      if ('refused' in plan) return plan;
      const carved = plan.budgets.reduce((sum, budget) => sum + budget, 0);
      const [call] = await tx
        .insert(spawnCalls)
        .values({
          guildId,
          spawnerId: spawner.id,
          origin: request.origin,
          turnId: lease?.turnId ?? null,
          actsFor: request.actsFor,
          scheduleId: request.scheduleId ?? null,
          pending: request.helpers.length,
          treeBudget: spawner.kind === 'channel' ? carved : null,
        })
        .returning({ id: spawnCalls.id });
      if (spawner.kind === 'helper') await tx.execute(sql`update agents set token_budget = token_budget - ${carved} where id = ${spawner.id}`);
      const helperIds: number[] = [];
      for (const [index, helper] of request.helpers.entries()) {
        const [row] = await tx
          .insert(agents)
          .values({
            guildId,
            kind: 'helper',
            parentId: spawner.id,
            rootId: spawner.rootId ?? spawner.id,
            depth: spawner.depth + 1,
            task: helper.task,
            persona: helper.persona,
            replyMode: 'all',
            tokenBudget: plan.budgets[index]!,
            spawnCallId: call!.id,
            treeId: spawner.treeId ?? call!.id,
            actsFor: request.actsFor,
            homeChannelId: request.homeChannelId,
            briefing: helper.briefing,
            deadlineAt: request.deadline,
          })
          .returning({ id: agents.id });
        const helperId = row!.id;
        helperIds.push(helperId);
        await tx.insert(messages).values(messageRow({ id: helperId, guildId }, helper.taskMessage));
        // The thread's name waits in the header's payload until the header's id is known.
        await tx.insert(outbox).values({
          guildId,
          agentId: helperId,
          kind: 'header',
          channelId: request.homeChannelId,
          content: '',
          payload: { threadName: helper.threadName },
          nonce: `h${helperId.toString(36)}`,
        });
      }
      return { callId: call!.id, helperIds, budgets: plan.budgets };
    });
  }

  async interruptedSpawn(spawnerId: number, turnId: number): Promise<{ callId: number; helperIds: number[]; budgets: number[] } | null> {
    // Each statement's now() is its transaction's start: the spawn began after the call was stored.
    const [call] = await executeRows<{ id: number | string; helper_ids: Array<number | string> | string; budgets: Array<number | string> | string }>(
      this.db,
      sql`select c.id, json_agg(a.id order by a.id) as helper_ids, json_agg(coalesce(a.token_budget, 0) order by a.id) as budgets
          from spawn_calls c join agents a on a.spawn_call_id = c.id
          where c.spawner_id = ${spawnerId} and c.turn_id = ${turnId}
            and c.created_at >= (select max(m.created_at) from messages m where m.agent_id = ${spawnerId} and m.turn_id = ${turnId})
          group by c.id order by c.id desc limit 1`,
    );
    if (!call) return null;
    const list = (value: Array<number | string> | string) => (typeof value === 'string' ? (JSON.parse(value) as Array<number | string>) : value).map(Number);
    return { callId: Number(call.id), helperIds: list(call.helper_ids), budgets: list(call.budgets) };
  }

  async lineage(agentId: number): Promise<Array<{ name: string; task: string }>> {
    const rows = await executeRows<{ name: string; task: string | null }>(
      this.db,
      sql`with recursive up(id, parent_id, name, task, depth) as (
            select id, parent_id, persona->>'name', task, depth from agents where id = ${agentId} and kind = 'helper'
            union all
            select p.id, p.parent_id, p.persona->>'name', p.task, p.depth from agents p join up on p.id = up.parent_id where p.kind = 'helper')
          select name, task from up order by depth`,
    );
    return rows.map((row) => ({ name: row.name, task: row.task ?? '' }));
  }

  async remainingBudget(agentId: number): Promise<number | null> {
    const [row] = await executeRows<{ remaining: number | string | null }>(
      this.db,
      sql`select token_budget - ${usedBy(sql`${agentId}::bigint`)} as remaining from agents where id = ${agentId}`,
    );
    return row?.remaining === null || row?.remaining === undefined ? null : Number(row.remaining);
  }

  async view(agentId: number): Promise<HelperView | null> {
    const [view] = await views(this.db, sql`a.id = ${agentId} and a.kind = 'helper'`);
    return view ?? null;
  }

  liveOfRoot(rootId: number): Promise<HelperView[]> {
    return views(this.db, sql`a.root_id = ${rootId} and a.kind = 'helper' and a.lifecycle in ${LIVE}`);
  }

  liveInChannel(guildId: string, channelId: string): Promise<HelperView[]> {
    return views(
      this.db,
      sql`a.guild_id = ${guildId} and a.kind = 'helper' and a.lifecycle in ${LIVE} and (a.home_channel_id = ${channelId} or a.channel_id = ${channelId})`,
    );
  }

  end(agentIds: number[], ending: HelperEnding): Promise<{ ended: number; queued: boolean }> {
    return this.db.transaction((tx) => endHelpers(tx, agentIds, ending, this.resultMaxTokens));
  }

  msToNextDeadline(): Promise<number | null> {
    return msUntil(this.db, sql`select min(deadline_at) as at from agents where kind = 'helper' and lifecycle in ${LIVE} `);
  }

  timeOutDue(limit: number): Promise<{ ended: number; queued: boolean }> {
    return this.db.transaction(async (tx) => {
      // Not locked here: endHelpers locks spawners before their helpers, as every ending does.
      const due = await executeRows<{ id: number | string }>(
        tx,
        sql`select id from agents where kind = 'helper' and lifecycle in ${LIVE} and deadline_at <= now() order by id limit ${limit}`,
      );
      if (due.length === 0) return { ended: 0, queued: false };
      return endHelpers(tx, due.map((row) => Number(row.id)), { lifecycle: 'timed_out', result: 'timed out' }, this.resultMaxTokens);
    });
  }
}

/**
 * Ends the live ones of `agentIds` with `ending`, and their live descendants as cancelled, in the
 * caller's transaction: queued turns are unqueued, each ended subtree's unused budget goes back
 * to its spawner, headers are marked for an edit, and every call that had its last working
 * child here delivers its results.
 */
export async function endHelpers(tx: Executor, agentIds: number[], ending: HelperEnding, resultMaxTokens: number): Promise<{ ended: number; queued: boolean }> {
  if (agentIds.length === 0) return { ended: 0, queued: false };
  const ids = sql`${`{${agentIds.join(',')}}`}::bigint[]`;
  await lockSpawnersOf(tx, ids);
  // A member whose turn is running keeps its budget until that turn ends (a model call may be in
  // flight): it is settled then (see settleBudget), so a tree never spends a budget twice. The
  // outer lifecycle check is made again on a row another transaction ended while this one waited
  // for its lock, so a helper is never ended (nor its call counted down) twice.
  const members = await executeRows<{ id: number | string; parent_id: number | string | null; spawn_call_id: number | string | null; unused: number | string }>(
    tx,
    sql`with recursive sub(id) as (
          select id from agents where id = any(${ids}) and lifecycle in ${LIVE}
          union
          select c.id from agents c join sub on c.parent_id = sub.id where c.lifecycle in ${LIVE})
        select a.id, a.parent_id, a.spawn_call_id,
          case when a.run_state = 'running' then 0 else coalesce(a.token_budget, 0) - ${usedBy(sql`a.id`)} end as unused
        from agents a where a.id in (select id from sub) and a.lifecycle in ${LIVE} order by a.id for no key update`,
  );
  if (members.length === 0) return { ended: 0, queued: false };
  const byId = new Map(members.map((row) => [Number(row.id), { parentId: row.parent_id === null ? null : Number(row.parent_id), callId: row.spawn_call_id === null ? null : Number(row.spawn_call_id), unused: Number(row.unused) }]));
  const isTop = (id: number) => !byId.has(byId.get(id)!.parentId ?? -1);
  const tops = [...byId.keys()].filter(isTop);
  const inner = [...byId.keys()].filter((id) => !isTop(id));
  const memberIds = sql`${`{${[...byId.keys()].join(',')}}`}::bigint[]`;
  const endAs = (which: number[], lifecycle: string, result: string) => {
    // A cancelled or timed-out helper's queued turn never starts; one that ended by itself still
    // answers whoever wrote to it meanwhile.
    const stops = lifecycle === 'cancelled' || lifecycle === 'timed_out' ? sql`true` : sql`false`;
    return which.length === 0
      ? Promise.resolve()
      : tx.execute(sql`update agents set lifecycle = ${lifecycle}, result = ${result}, ended_at = now(), tokens_used = ${usedBy(sql`agents.id`)},
            token_budget = case when run_state = 'running' then token_budget else ${usedBy(sql`agents.id`)} end,
            run_state = case when run_state = 'queued' and ${stops} then 'idle' else run_state end,
            queued_at = case when run_state = 'queued' and ${stops} then null else queued_at end, updated_at = now()
          where id = any(${`{${which.join(',')}}`}::bigint[])`);
  };
  await endAs(tops, ending.lifecycle, ending.result);
  await endAs(inner, 'cancelled', 'cancelled: the helper that spawned it ended');
  // Calls made by ended helpers have no one left to deliver to.
  await tx.execute(sql`update spawn_calls set pending = 0, delivered_at = now() where spawner_id = any(${memberIds}) and delivered_at is null`);
  await tx.execute(sql`insert into outbox (guild_id, agent_id, kind, channel_id, content, nonce)
      select guild_id, id, 'header_edit', home_channel_id, '', 'e' || gen_random_uuid()::text from agents
      where id = any(${memberIds}) and home_channel_id is not null`);
  let queued = false;
  for (const top of tops) {
    const { parentId, callId } = byId.get(top)!;
    // What the subtree did not use goes back to the helper that carved it (a channel agent has no budget).
    const unused = [...byId.entries()].filter(([id]) => isWithin(id, top, byId)).reduce((sum, [, member]) => sum + member.unused, 0);
    if (parentId !== null) await tx.execute(sql`update agents set token_budget = token_budget + ${unused} where id = ${parentId} and kind = 'helper'`);
    if (callId === null) continue;
    const [call] = await executeRows<{ pending: number }>(tx, sql`update spawn_calls set pending = pending - 1 where id = ${callId} and delivered_at is null returning pending`);
    if (call && Number(call.pending) === 0) queued = (await deliverResults(tx, callId, resultMaxTokens)) || queued;
  }
  return { ended: byId.size, queued };
}

/**
 * Every transaction that ends helpers locks their spawners first, then the helpers in id order
 * (a helper's id is greater than its spawner's): ending a helper updates its spawner (budget,
 * results), and ending a spawner ends its helpers, so any other order can deadlock. Agents are
 * locked `for no key update`: that excludes the other endings but not the key-share locks taken
 * by inserting rows that reference an agent (its messages, outbox rows, children), which a `for
 * update` would wait for, and deadlock with.
 */
export async function lockSpawnersOf(tx: Executor, ids: SQL): Promise<void> {
  await tx.execute(sql`select 1 from agents where id in (select parent_id from agents where id = any(${ids})) order by id for no key update`);
}

/**
 * A helper that ended while its turn ran gives back what that turn left of its budget, now that
 * the turn is over (to its spawner while that still works); from then on it holds nothing, so a
 * follow-up in its thread spends outside the tree (counted against the guild's caps).
 */
export async function settleBudget(tx: Executor, agentId: number): Promise<void> {
  await tx.execute(sql`update agents p set token_budget = p.token_budget + (h.token_budget - ${usedBy(sql`h.id`)})
      from agents h
      where h.id = ${agentId} and p.id = h.parent_id and p.kind = 'helper' and p.lifecycle in ${LIVE}
        and h.token_budget > ${usedBy(sql`h.id`)}`);
  await tx.execute(sql`update agents set token_budget = ${usedBy(sql`agents.id`)} where id = ${agentId} and token_budget is not null`);
}

/**
 * Brings a helper's `tokens_used` up to its usage rows. Ending a helper sets it, but usage can
 * come after: a follow-up turn in its thread, or a model call that was in flight when it was
 * cancelled or timed out (its turn hears of that at its next lease renewal).
 */
export async function refreshTokensUsed(tx: Executor, agentId: number): Promise<void> {
  await tx.execute(sql`update agents set tokens_used = ${usedBy(sql`agents.id`)} where id = ${agentId} and kind = 'helper'`);
}

function isWithin(id: number, top: number, byId: Map<number, { parentId: number | null }>): boolean {
  for (let at: number | null = id; at !== null; at = byId.get(at)?.parentId ?? null) {
    if (at === top) return true;
    if (!byId.has(at)) return false;
  }
  return false;
}

/**
 * The call's last child ended: one message with every child's result. A model's spawn wakes the
 * spawner to read it; a `/spawn` posts it in the channel and keeps it in the channel agent's
 * conversation as already said (no model call).
 * @returns whether the spawner was queued.
 */
async function deliverResults(tx: Executor, callId: number, resultMaxTokens: number): Promise<boolean> {
  const [call] = await executeRows<{ origin: string; spawner_id: number | string; acts_for: string | null; schedule_id: number | string | null }>(
    tx,
    sql`update spawn_calls set delivered_at = now() where id = ${callId} returning origin, spawner_id, acts_for, schedule_id`,
  );
  const children = await views(tx, sql`a.spawn_call_id = ${callId}`);
  const [spawner] = await executeRows<{ id: number | string; guild_id: string | null; channel_id: string | null }>(
    tx,
    sql`select id, guild_id, channel_id from agents where id = ${call!.spawner_id} for no key update`,
  );
  if (!spawner) return false;
  const agent = { id: Number(spawner.id), guildId: spawner.guild_id };
  if (call!.origin === 'command') {
    const post = children.map(resultPost).join('\n\n');
    await tx.insert(messages).values(messageRow(agent, withTokenCount({ role: 'assistant', content: post })));
    await tx.insert(outbox).values({ guildId: spawner.guild_id, agentId: Number(spawner.id), kind: 'result', channelId: spawner.channel_id ?? '', content: post, nonce: `r${callId.toString(36)}` });
    return false;
  }
  const content = resultsMessage(callId, children, resultMaxTokens);
  await tx.insert(messages).values(messageRow(agent, withTokenCount({ role: 'user', content, inputKind: 'results', actsFor: call!.acts_for, scheduleId: call!.schedule_id === null ? null : Number(call!.schedule_id) })));
  const woken = await wake(tx, Number(spawner.id), 'machine');
  return woken.runState === 'queued';
}
