import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { defaultPersona } from '../src/agents/persona.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { AgentRepository } from '../src/db/repositories/agentRepository.js';
import { schedules } from '../src/db/schema.js';
import { parseSchedule } from '../src/scheduler/cronSchedule.js';
import { localTime } from '../src/scheduler/scheduleText.js';
import type { DiscordEmulator } from '../src/discordEmulator/emulator.js';

/**
 * The world of `bench:schedules`: guilds and channels in the emulator (alice owns every guild, so
 * the creator's Manage Channels check at fire time passes), one channel agent per channel created
 * as the app creates them, and the schedules inserted straight into the table (the commands'
 * validation is not what is measured), each a six-field pattern firing once a minute at its own
 * second. Then, after the run, the firings read back: from the database (when each was claimed
 * and its turn ran) and from the emulator (what was posted, and how often).
 */
export interface WorldShape {
  guilds: number;
  channelsPerGuild: number;
  schedulesPerGuild: number;
}

export interface World {
  /** Every channel, by guild order. */
  channels: Array<{ guildId: string; channelId: string }>;
}

/** What a schedule's firing asks; none of the demo brain's command words, so it echoes. */
const TASK = 'Post a short digest of what was discussed in this channel since the last run, with open questions first.';
const TIMEZONE = 'UTC';
/** The agents' model: appEnv's DEFAULT_MODEL. */
const MODEL = 'gpt-4o-mini';
const INSERT_CHUNK = 1000;
const AGENT_CREATION_CONCURRENCY = 8;

/** Creates the guilds and their channels; call before the bot connects, so they come with its GUILD_CREATEs. */
export function createWorld(discord: DiscordEmulator, shape: WorldShape): World {
  const ownerId = discord.seed.alice.id;
  const channels: World['channels'] = [];
  for (let guild = 0; guild < shape.guilds; guild++) {
    const { id: guildId } = discord.createGuild({ name: `bench-guild-${guild}`, ownerId });
    for (let channel = 0; channel < shape.channelsPerGuild; channel++) {
      channels.push({ guildId, channelId: discord.createChannel({ guildId, name: `schedules-${channel}` }).id });
    }
  }
  return { channels };
}

/** One channel agent per channel, through the repository the app uses; returns agent ids by channel. */
export async function createChannelAgents(handle: DatabaseHandle, world: World): Promise<Map<string, number>> {
  const repository = new AgentRepository(handle.db);
  const persona = defaultPersona(MODEL);
  const ids = new Map<string, number>();
  let next = 0;
  const work = async () => {
    while (next < world.channels.length) {
      const where = world.channels[next++]!;
      ids.set(where.channelId, (await repository.getOrCreateChannelAgent(where, persona)).id);
    }
  };
  await Promise.all(Array.from({ length: AGENT_CREATION_CONCURRENCY }, work));
  return ids;
}

export interface InsertedSchedules {
  count: number;
  /** Schedules firing at each second of the minute (index 0–59). */
  perSecond: number[];
  /** The earliest first fire time. */
  firstFireAt: Date;
}

/**
 * Schedule `i` (guild-major: a guild's schedules are consecutive) fires at second `i % 60` of
 * every minute, in its guild's channel `i % channelsPerGuild`: about count/60 firings each second.
 * The first fire times come strictly after `after`.
 */
export async function insertSchedules(handle: DatabaseHandle, world: World, agents: Map<string, number>, shape: WorldShape, createdBy: string, after: Date): Promise<InsertedSchedules> {
  const perSecond = Array.from({ length: 60 }, () => 0);
  const rows: Array<typeof schedules.$inferInsert> = [];
  let firstFireAt: Date | undefined;
  for (let guild = 0; guild < shape.guilds; guild++) {
    for (let index = 0; index < shape.schedulesPerGuild; index++) {
      const i = guild * shape.schedulesPerGuild + index;
      const second = i % 60;
      const where = world.channels[guild * shape.channelsPerGuild + (index % shape.channelsPerGuild)]!;
      const cron = `${second} * * * * *`;
      const parsed = parseSchedule(cron, TIMEZONE);
      if (!parsed.ok) throw new Error(parsed.error);
      const nextFireAt = parsed.schedule.nextRuns(after, 1)[0]!;
      if (!firstFireAt || nextFireAt < firstFireAt) firstFireAt = nextFireAt;
      perSecond[second]! += 1;
      rows.push({ guildId: where.guildId, channelId: where.channelId, agentId: agents.get(where.channelId)!, cron, timezone: TIMEZONE, task: TASK, createdBy, nextFireAt });
    }
  }
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) await handle.db.insert(schedules).values(rows.slice(start, start + INSERT_CHUNK));
  return { count: rows.length, perSecond, firstFireAt: firstFireAt! };
}

/** Firing times due in [from, until) for schedules firing once a minute at the seconds of `perSecond`. */
export function dueBetween(perSecond: readonly number[], from: Date, until: Date): number {
  let due = 0;
  for (let at = Math.ceil(from.getTime() / 1000) * 1000; at < until.getTime(); at += 1000) due += perSecond[new Date(at).getUTCSeconds()]!;
  return due;
}

/** Pauses every schedule (after the measurement, so the bot stops quickly). */
export async function pauseAll(handle: DatabaseHandle): Promise<void> {
  await handle.db.update(schedules).set({ enabled: false, pausedReason: 'bench over' });
}

/** One firing of the window, as the database recorded it; times in epoch milliseconds. */
export interface Firing {
  scheduleId: number;
  fireAt: number;
  /** The claiming transaction's start (the run row's `created_at` is its `now()`). */
  claimedAt: number;
  status: string;
  late: boolean;
  /** The turn that answered it (linked when it ended), and its start and end. */
  turnStartedAt: number | null;
  turnFinishedAt: number | null;
  turnStatus: string | null;
}

/** The runs of fire times in [from, until); `running` counts those whose turn has not ended yet. */
export async function firingsBetween(handle: DatabaseHandle, from: Date, until: Date): Promise<Firing[]> {
  const rows = await handle.rows<{ schedule_id: string; fire_at: number; claimed_at: number; status: string; late: boolean; turn_started_at: number | null; turn_finished_at: number | null; turn_status: string | null }>(sql`
    select r.schedule_id, extract(epoch from r.fire_at) * 1000 as fire_at, extract(epoch from r.created_at) * 1000 as claimed_at, r.status, r.late,
           extract(epoch from t.created_at) * 1000 as turn_started_at, extract(epoch from t.finished_at) * 1000 as turn_finished_at, t.status as turn_status
    from schedule_runs r left join turns t on t.id = r.turn_id
    where r.fire_at >= ${from.toISOString()}::timestamptz and r.fire_at < ${until.toISOString()}::timestamptz and r.status <> 'missed'`);
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return rows.map((row) => ({
    scheduleId: Number(row.schedule_id),
    fireAt: Number(row.fire_at),
    claimedAt: Number(row.claimed_at),
    status: row.status,
    late: row.late,
    turnStartedAt: number(row.turn_started_at),
    turnFinishedAt: number(row.turn_finished_at),
    turnStatus: row.turn_status,
  }));
}

/** Rows recorded as missed (fire times skipped): a healthy run has none. */
export async function missedRuns(handle: DatabaseHandle): Promise<number> {
  const [row] = await handle.rows<{ missed: number }>(sql`select coalesce(sum(missed_count), 0)::int as missed from schedule_runs where status = 'missed'`);
  return row?.missed ?? 0;
}

/**
 * The bot's posts that answer a firing, by firing: the demo brain echoes the scheduled-task
 * message, which names the schedule and its fire time (to the minute, in its zone: each schedule
 * fires once a minute, so that is one firing). Returns, per firing key, the times (epoch ms) of
 * the posts answering it.
 */
export function postsByFiring(discord: DiscordEmulator, world: World): Map<string, number[]> {
  const botId = discord.bot.id;
  const posts = new Map<string, number[]>();
  const mark = /Scheduled task #(\d+) \(fire time ([^;]+);/;
  for (const { channelId } of world.channels) {
    for (const message of discord.channelMessages(channelId)) {
      if (message.author.id !== botId) continue;
      const found = mark.exec(message.content);
      if (!found) continue;
      const key = `${found[1]}|${found[2]}`;
      const times = posts.get(key) ?? [];
      times.push(Date.parse(message.timestamp));
      posts.set(key, times);
    }
  }
  return posts;
}

/** The key of `postsByFiring` for a firing. */
export function firingKey(firing: Pick<Firing, 'scheduleId' | 'fireAt'>): string {
  return `${firing.scheduleId}|${localTime(new Date(firing.fireAt), TIMEZONE)} ${TIMEZONE}`;
}

/** Samples a process's resident set size (VmRSS) every `everyMs`, until stopped. */
export class RssSampler {
  private readonly samples: Array<{ at: number; bytes: number }> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs: number,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  /** The largest sample in [from, until] (epoch ms), in bytes. */
  maxBetween(from: number, until: number): number {
    return Math.max(...this.samples.filter(({ at }) => at >= from && at <= until).map(({ bytes }) => bytes));
  }

  /** The resident set now, in bytes (also kept as a sample). */
  sample(): number {
    try {
      const line = readFileSync(`/proc/${this.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      const bytes = line ? Number(line[1]) * 1024 : Number.NaN;
      this.samples.push({ at: Date.now(), bytes });
      return bytes;
    } catch {
      return Number.NaN;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
