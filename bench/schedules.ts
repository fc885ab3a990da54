/**
 * `npm run bench:schedules`: the scheduler under load. 10,000 active schedules (400 guilds × 25,
 * the per-guild limit, one per channel by default), each a six-field pattern firing once a
 * minute at its own second, so about 167 firings every second; every firing is a turn of its
 * channel's agent answered by the scripted model (no latency) through the real app, alone in its
 * process, on a PostgreSQL database of its own. After a warm-up, a measured window: the bot's RSS,
 * the firing lateness (fire time → its turn starts), the bot's CPU per firing, firings per second,
 * and whether every due firing was posted once. Exits 0 whether or not the goals are met,
 * non-zero only when the run failed. See bench/README.md.
 */
import { loadavg } from 'node:os';
import { BotChild } from './botChild.js';
import { type BenchDatabase, runBench } from './database.js';
import { createDbMeter, dbLines } from './dbStats.js';
import { profiled } from './profiling.js';
import { resourceLine, startMeter } from './resources.js';
import {
  type Firing,
  RssSampler,
  type WorldShape,
  createChannelAgents,
  createWorld,
  dueBetween,
  firingKey,
  firingsBetween,
  insertSchedules,
  missedRuns,
  pauseAll,
  postsByFiring,
} from './scheduleWorld.js';
import { appEnv, startEdges } from './stack.js';
import { distribution, distributionLine, goalLine, ms } from './stats.js';
import { wholeNumberSetting } from './settings.js';

const GOALS = { rssMb: 250, latenessP99Ms: 1000 };
/** One streamed chunk per reply, as in bench:turn. */
const WORDS_PER_CHUNK = 10_000;
const EMULATOR_LOG_LIMIT = 2000;
/** The bot with nothing due, before the schedules exist: what its timers alone cost. */
const IDLE_SECONDS = 3;
/** The first fire times come at least this long after the schedules are inserted. */
const FIRST_FIRE_LEAD_MS = 3000;
const RSS_SAMPLE_MS = 250;
/** After the window: how long the firings due in it may take to end. */
const DRAIN_TIMEOUT_MS = 60_000;

interface ScheduleSettings extends WorldShape {
  serverUrl: string;
  warmupSeconds: number;
  windowSeconds: number;
  concurrency: number | undefined;
  /** Extra NODE_OPTIONS for the bot's process (e.g. `--max-old-space-size=160`: how much of its RSS is garbage not yet collected). */
  botNodeOptions: string | undefined;
  cpuProfileDir: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): ScheduleSettings {
  const schedulesPerGuild = wholeNumberSetting(env, 'BENCH_SCHEDULES_PER_GUILD', 25, 1);
  return {
    serverUrl: env.BENCH_DATABASE_URL?.trim() || env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    guilds: wholeNumberSetting(env, 'BENCH_SCHEDULE_GUILDS', 400, 1),
    schedulesPerGuild,
    channelsPerGuild: wholeNumberSetting(env, 'BENCH_SCHEDULE_CHANNELS_PER_GUILD', schedulesPerGuild, 1),
    warmupSeconds: wholeNumberSetting(env, 'BENCH_SCHEDULE_WARMUP_SECONDS', 30, 0),
    windowSeconds: wholeNumberSetting(env, 'BENCH_SCHEDULE_SECONDS', 60, 1),
    concurrency: env.BENCH_CONCURRENCY ? wholeNumberSetting(env, 'BENCH_CONCURRENCY', 8, 1) : undefined,
    botNodeOptions: env.BENCH_BOT_NODE_OPTIONS?.trim() || undefined,
    cpuProfileDir: env.BENCH_CPU_PROFILE?.trim() || undefined,
  };
}

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

/** Waits until every firing due in the window has a run whose turn ended (or the timeout). */
async function drained(read: () => Promise<Firing[]>, due: number): Promise<Firing[]> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const firings = await read();
    if ((firings.length >= due && firings.every((firing) => firing.status !== 'running')) || Date.now() > deadline) return firings;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function runAll(settings: ScheduleSettings, database: BenchDatabase): Promise<void> {
  console.log(`load average at start: ${load()}`);
  const { discord, llm } = await startEdges({ brain: 'demo', wordsPerChunk: WORDS_PER_CHUNK }, EMULATOR_LOG_LIMIT);
  const handle = await database.open(8);
  const meter = createDbMeter(database.url);
  let bot: BotChild | undefined;
  let rss: RssSampler | undefined;
  try {
    let seededAt = performance.now();
    const world = createWorld(discord, settings);
    const agents = await createChannelAgents(handle, world);
    console.log(
      `world: ${settings.guilds} guilds × ${settings.channelsPerGuild} channels (${world.channels.length} channel agents), ` +
        `set up in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`,
    );

    const turns = new Map<string, number>();
    const env = appEnv(discord, llm, database.url, {
      // The patterns fire every 60 s (the inserted rows are not validated; this is what would let them be created).
      SCHEDULE_MIN_INTERVAL_SECONDS: '60',
      ...(settings.concurrency !== undefined && { WORKER_CONCURRENCY: String(settings.concurrency) }),
      ...(settings.botNodeOptions && { NODE_OPTIONS: settings.botNodeOptions }),
    });
    const startedAt = performance.now();
    bot = await BotChild.start(env, (report) => turns.set(report.status, (turns.get(report.status) ?? 0) + 1));
    rss = new RssSampler(bot.pid, RSS_SAMPLE_MS);
    console.log(`bot: connected to ${settings.guilds} guilds in ${((performance.now() - startedAt) / 1000).toFixed(1)} s, RSS ${mb(rss.sample())} MB; WORKER_CONCURRENCY=${settings.concurrency ?? 'default (8)'}, REST unlimited${settings.botNodeOptions ? `, NODE_OPTIONS=${settings.botNodeOptions}` : ''}`);

    const stopIdle = startMeter(bot);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idle = await stopIdle();
    console.log(`idle bot (no schedules yet, ${IDLE_SECONDS} s): ${ms((idle.botCores ?? Number.NaN) * 1000)} ms CPU/s, RSS ${mb(rss.sample())} MB`);

    seededAt = performance.now();
    const inserted = await insertSchedules(handle, world, agents, settings, discord.seed.alice.id, new Date(Date.now() + FIRST_FIRE_LEAD_MS));
    const busiest = Math.max(...inserted.perSecond);
    console.log(
      `schedules: ${inserted.count} inserted in ${((performance.now() - seededAt) / 1000).toFixed(1)} s, \`<s> * * * * *\` (UTC), ` +
        `${(inserted.count / 60).toFixed(0)} firings/s on average, at most ${busiest} sharing one second; first fire ${inserted.firstFireAt.toISOString()}`,
    );

    const from = new Date(inserted.firstFireAt.getTime() + settings.warmupSeconds * 1000);
    const until = new Date(from.getTime() + settings.windowSeconds * 1000);
    const due = dueBetween(inserted.perSecond, from, until);
    console.log(`warm-up ${settings.warmupSeconds} s, then a window of ${settings.windowSeconds} s (${from.toISOString()} → ${until.toISOString()}): ${due} firings due`);

    // The server's statistics are flushed about once a second: the meter's start waits that long.
    await sleepUntil(from.getTime() - 1200);
    const stopDb = await meter.start();
    await sleepUntil(from.getTime());
    const stopMeter = startMeter(bot);
    const resources = await profiled(settings.cpuProfileDir, 'schedules', bot, async () => {
      await sleepUntil(until.getTime());
      return stopMeter();
    });
    const rssEnd = rss.sample();
    const rssMax = rss.maxBetween(from.getTime(), Date.now());
    const rssMaxAll = rss.maxBetween(0, Date.now());
    const loadAtEnd = load();
    const db = await stopDb();

    const firings = await drained(() => firingsBetween(handle, from, until), due);
    // The turns that started during the window, whatever their fire time: the work the window's CPU paid for.
    const worked = (await firingsBetween(handle, inserted.firstFireAt, until)).filter(
      (firing) => firing.turnStartedAt !== null && firing.turnStartedAt >= from.getTime() && firing.turnStartedAt < until.getTime(),
    ).length;
    await pauseAll(handle);
    const missed = await missedRuns(handle);
    const posts = postsByFiring(discord, world);
    report({ settings, from, due, worked, firings, posts, missed, turns, resources, rssEnd, rssMax, rssMaxAll, loadAtEnd });
    for (const line of dbLines(db, Math.max(1, worked), 'firing')) console.log(line);
  } finally {
    rss?.stop();
    await meter.close();
    await bot?.stop();
    await handle.close();
    await Promise.all([discord.close(), llm.close()]);
  }
}

interface Results {
  settings: ScheduleSettings;
  from: Date;
  due: number;
  /** Firings whose turn started in the window. */
  worked: number;
  firings: Firing[];
  posts: Map<string, number[]>;
  missed: number;
  turns: Map<string, number>;
  resources: Awaited<ReturnType<ReturnType<typeof startMeter>>>;
  rssEnd: number;
  rssMax: number;
  rssMaxAll: number;
  loadAtEnd: string;
}

function report({ settings, from, due, worked, firings, posts, missed, turns, resources, rssEnd, rssMax, rssMaxAll, loadAtEnd }: Results): void {
  const seconds = settings.windowSeconds;
  console.log(`\n== ${due} firings due in ${seconds} s (load average at the window's end: ${loadAtEnd}) ==`);
  console.log(goalLine(`bot RSS max ${mb(rssMax)} MB in the window (at its end ${mb(rssEnd)} MB)`, `≤ ${GOALS.rssMb} MB`, rssMax / 2 ** 20 <= GOALS.rssMb));
  if (rssMaxAll > rssMax) console.log(`  (max over the whole run, start-up included: ${mb(rssMaxAll)} MB)`);

  const started = firings.filter((firing) => firing.turnStartedAt !== null);
  const lateness = distribution(started.map((firing) => firing.turnStartedAt! - firing.fireAt));
  console.log(goalLine(`lateness (fire time → its turn starts) p99 ${ms(lateness.p99)} ms`, `≤ ${GOALS.latenessP99Ms} ms`, lateness.p99 <= GOALS.latenessP99Ms));
  console.log(distributionLine('  fire time → turn starts            ', lateness));
  console.log(distributionLine('  fire time → claimed (tick + claim) ', distribution(firings.map((firing) => firing.claimedAt - firing.fireAt))));
  console.log(distributionLine('  claimed → turn starts (queue)      ', distribution(started.map((firing) => firing.turnStartedAt! - firing.claimedAt))));
  console.log(distributionLine('  turn starts → turn ends            ', distribution(started.filter((f) => f.turnFinishedAt !== null).map((f) => f.turnFinishedAt! - f.turnStartedAt!))));
  const firstPosts = firings.map((firing) => posts.get(firingKey(firing))?.[0]).map((at, index) => (at === undefined ? Number.NaN : at - firings[index]!.fireAt));
  console.log(distributionLine('  fire time → answer posted          ', distribution(firstPosts.filter(Number.isFinite))));

  const cpuMs = (resources.botCores ?? Number.NaN) * resources.seconds * 1000;
  const per = (value: number) => ms(value / Math.max(1, worked));
  console.log(
    `bot CPU per firing ${per(cpuMs)} ms (${ms(cpuMs)} ms over ${resources.seconds.toFixed(1)} s for the ${worked} firings whose turn started in the window; ` +
      `postgres ${per((resources.postgresCores ?? Number.NaN) * resources.seconds * 1000)} ms, ` +
      `emulator + scripted model ${per(resources.harnessCores * resources.seconds * 1000)} ms)`,
  );
  console.log(`firings ${(worked / seconds).toFixed(1)}/s turns started (due ${(due / seconds).toFixed(1)}/s; ${(firings.length / seconds).toFixed(1)}/s of the window's fire times were claimed by the end)`);

  // Little's law over the window: turns in flight on average, against the worker's slots.
  const concurrency = settings.concurrency ?? 8;
  const windowStart = from.getTime();
  const windowEnd = windowStart + seconds * 1000;
  const busyMs = started.reduce((sum, f) => sum + Math.max(0, Math.min(f.turnFinishedAt ?? windowEnd, windowEnd) - Math.max(f.turnStartedAt!, windowStart)), 0);
  const claims = new Map<number, number>();
  for (const firing of firings) claims.set(firing.claimedAt, (claims.get(firing.claimedAt) ?? 0) + 1);
  console.log(
    `worker: ${(busyMs / (seconds * 1000)).toFixed(2)} turns in flight on average of ${concurrency} slots; ` +
      `${claims.size} claiming transactions (${(firings.length / Math.max(1, claims.size)).toFixed(1)} firings each, at most ${Math.max(...claims.values())})`,
  );

  const posted = firings.filter((firing) => (posts.get(firingKey(firing))?.length ?? 0) > 0).length;
  const twice = firings.filter((firing) => (posts.get(firingKey(firing))?.length ?? 0) > 1).length;
  const ok = posted === due && twice === 0 && firings.length === due;
  console.log(
    `${ok ? '✓' : '✗'} posted ${posted} of ${due} due (${firings.length} fired: ${firings.filter((f) => f.status === 'done').length} done, ` +
      `${firings.filter((f) => f.status === 'running').length} not answered yet when the drain stopped waiting, ${firings.filter((f) => f.status !== 'done' && f.status !== 'running').length} other; ` +
      `${firings.filter((f) => f.late).length} marked late), ${twice} posted twice, ${missed} fire times recorded missed`,
  );
  const statuses = [...turns.entries()].map(([status, value]) => `${status} ${value}`).join(', ');
  console.log(`turns the hook reported over the whole run: ${statuses}`);
  console.log(resourceLine(resources));
}

const settings = readSettings(process.env);
runBench(settings.serverUrl, {}, async (database) => {
  await runAll(settings, database);
});
