import postgres from 'postgres';
import { type BenchDatabase, createBenchDatabase } from '../bench/database.js';

/** Connections of the suite itself carry this name, so that `pg_terminate_backend` spares them. */
export const CHAOS_APPLICATION_NAME = 'matryoshka-chaos';

/** A turn as the bot's database holds it at the end. */
export interface TurnRow {
  id: number;
  status: string;
  channelId: string;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
}

/** What the bot's database says at the end of a scenario. */
export interface DatabaseSnapshot {
  turns: TurnRow[];
  /** Agents by run state (`idle`, `queued`, `running`). */
  agentStates: Record<string, number>;
  /** Discord ids of the user messages stored. */
  storedMessageIds: Set<string>;
}

/**
 * `matryoshka_chaos_<pid>`, empty: the first bot of a scenario migrates it, with the
 * migrations of the checkout under test (which may be newer or older than this one's).
 */
export function createChaosDatabase(serverUrl: string): Promise<BenchDatabase> {
  return createBenchDatabase(serverUrl, { prefix: 'matryoshka_chaos', migrate: false });
}

/** Opens a small pool on the scenario's database, straight to the server (never through the proxy). */
export function openReader(url: string): postgres.Sql {
  return postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5, connection: { application_name: CHAOS_APPLICATION_NAME } });
}

/** Turns still running and agents not at rest: zero once the bot has nothing left to do. */
export async function workLeft(sql: postgres.Sql): Promise<{ runningTurns: number; busyAgents: number }> {
  const [turns] = await sql<[{ count: number }]>`select count(*)::int as count from turns where status = 'running'`;
  const agents = await sql<Array<Record<string, unknown>>>`select * from agents`;
  const busyAgents = agents.filter((agent) => runState(agent) !== 'idle').length;
  return { runningTurns: turns.count, busyAgents };
}

export async function readSnapshot(sql: postgres.Sql): Promise<DatabaseSnapshot> {
  const turns = await sql<Array<{ id: string; status: string; channel_id: string; started_at: Date; finished_at: Date | null; error: string | null }>>`
    select t.id, t.status, a.channel_id, t.created_at as started_at, t.finished_at, t.error
    from turns t join agents a on a.id = t.agent_id order by t.id`;
  const agents = await sql<Array<Record<string, unknown>>>`select * from agents`;
  const stored = await sql<Array<{ discord_message_id: string }>>`
    select discord_message_id from messages where role = 'user' and discord_message_id is not null`;
  const agentStates: Record<string, number> = {};
  for (const agent of agents) {
    const state = runState(agent);
    agentStates[state] = (agentStates[state] ?? 0) + 1;
  }
  return {
    turns: turns.map((turn) => ({
      id: Number(turn.id),
      status: turn.status,
      channelId: turn.channel_id,
      startedAt: turn.started_at.getTime(),
      finishedAt: turn.finished_at?.getTime() ?? null,
      error: turn.error,
    })),
    agentStates,
    storedMessageIds: new Set(stored.map((row) => row.discord_message_id)),
  };
}

/** The queue's state of an agent: `run_state` once the hardening splits it from the lifecycle, else `status`. */
function runState(agent: Record<string, unknown>): string {
  return String(agent.run_state ?? agent.status);
}
