/**
 * `npm run bench:spawn`: the engine's own cost per helper, with no model latency. A person asks
 * the channel agent, whose scripted model spawns helpers: a tree of 25 (5 children, each spawning
 * 4) and a flat fan-out of 5, each run several times through the real app (discord.js, the
 * engine, PostgreSQL) in a process of its own, against the Discord emulator and the scripted
 * model in this one. Prints the bot's CPU, its database statements and its Discord requests per
 * helper, and the time from the spawning call to the spawner's continuing turn, next to their
 * goals. Exits 0 whether or not the goals are met, non-zero only when the run failed. See
 * bench/README.md.
 */
import { type BenchDatabase, runBench } from './database.js';
import { type DbMeter, type DbUse, createDbMeter, dbLines } from './dbStats.js';
import { profiled } from './profiling.js';
import { type ResourceUse, resourceLine, startMeter } from './resources.js';
import { helperSlots } from '../src/agents/worker.js';
import { type RunResult, type SpawnStack, helpersOf, runOnce, startSpawnStack } from './spawnRuns.js';
import type { Shape, ShapeSpec } from './spawnScript.js';
import { statementsBetween } from './statementCounter.js';
import { distribution, distributionLine, goalLine, ms } from './stats.js';
import { wholeNumberSetting } from './settings.js';

const GOALS = { cpuPerHelperMs: 10, fanoutContinuationP50Ms: 250 };
const SHAPES: Record<Shape, ShapeSpec & { title: string }> = {
  tree: { shape: 'tree', children: 5, grandchildren: 4, title: 'a tree of 25 helpers (the channel agent spawns 5, each of them 4)' },
  fanout: { shape: 'fanout', children: 5, grandchildren: 0, title: 'a flat fan-out of 5 helpers' },
};
/** The bot with nothing to do, to tell its polling from the runs' work. */
const IDLE_SECONDS = 3;

interface SpawnSettings {
  serverUrl: string;
  runs: number;
  warmupRuns: number;
  concurrency: number | undefined;
  shapes: Shape[];
  /** How many of the most frequent statements are listed per scenario. */
  topStatements: number;
  cpuProfileDir: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): SpawnSettings {
  const shapes = (env.BENCH_SCENARIOS?.trim() || 'tree,fanout').split(',').map((name) => name.trim());
  const unknown = shapes.filter((name) => !(name in SHAPES));
  if (unknown.length > 0) throw new Error(`BENCH_SCENARIOS: unknown scenario(s) ${unknown.join(', ')}; use tree, fanout`);
  return {
    serverUrl: env.BENCH_DATABASE_URL?.trim() || env.TEST_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    runs: wholeNumberSetting(env, 'BENCH_SPAWN_RUNS', 10, 1),
    warmupRuns: wholeNumberSetting(env, 'BENCH_SPAWN_WARMUP_RUNS', 1, 0),
    concurrency: env.BENCH_CONCURRENCY ? wholeNumberSetting(env, 'BENCH_CONCURRENCY', 8, 1) : undefined,
    shapes: shapes as Shape[],
    topStatements: wholeNumberSetting(env, 'BENCH_TOP_STATEMENTS', 14, 0),
    cpuProfileDir: env.BENCH_CPU_PROFILE?.trim() || undefined,
  };
}

/** What the bot did during a window: CPU, statements by text, and the server's statistics. */
interface Window<T> {
  result: T;
  resources: ResourceUse;
  statements: Map<string, number>;
  /** Writes to the server's sockets (system calls; a statement sent alone is one, a pipeline fewer). */
  writes: number;
  db: DbUse;
}

async function measured<T>(stack: SpawnStack, meter: DbMeter, work: () => Promise<T>): Promise<Window<T>> {
  const stopDb = await meter.start();
  const before = await stack.bot.statementCounts();
  const stopMeter = startMeter(stack.bot);
  const result = await work();
  const resources = await stopMeter();
  const after = await stack.bot.statementCounts();
  const statements = statementsBetween(before.statements, after.statements);
  return { result, resources, statements, writes: after.writes - before.writes, db: await stopDb() };
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, value) => sum + value, 0);
const botCpuMs = (use: ResourceUse) => (use.botCores ?? Number.NaN) * use.seconds * 1000;

interface IdleRates {
  cpuMsPerSecond: number;
  statementsPerSecond: number;
}

function printScenario(spec: ShapeSpec & { title: string }, window: Window<RunResult[]>, idle: IdleRates, settings: SpawnSettings): void {
  const runs = window.result;
  const helpers = helpersOf(spec) * runs.length;
  const per = (value: number) => (value / helpers).toFixed(1);
  console.log(`\n== ${spec.shape}: ${spec.title}, ${runs.length} runs after ${settings.warmupRuns} warm-up ==`);
  const cpu = botCpuMs(window.resources) / helpers;
  console.log(goalLine(`bot CPU per helper ${ms(cpu)} ms`, `≤ ${GOALS.cpuPerHelperMs} ms`, cpu <= GOALS.cpuPerHelperMs));
  const idleShare = (idle.cpuMsPerSecond * window.resources.seconds) / helpers;
  const kernel = (window.resources.botSystemCores ?? Number.NaN) / (window.resources.botCores ?? Number.NaN);
  console.log(
    `  (${ms(botCpuMs(window.resources))} ms of bot CPU over ${window.resources.seconds.toFixed(1)} s for ${helpers} helpers, ${(kernel * 100).toFixed(0)}% of it in the kernel; ` +
      `idle polling over as long would be ${ms(idleShare)} ms per helper)`,
  );

  const continuation = distribution(runs.map(({ timeline }) => timeline.resultsAt! - timeline.spawnedAt!));
  const label = spec.grandchildren > 0 ? 'spawn call → continuing turn (whole tree)' : 'spawn call → continuing turn';
  if (spec.grandchildren === 0) {
    const p50 = continuation.p50;
    console.log(goalLine(`${label} p50 ${ms(p50)} ms`, `≤ ${GOALS.fanoutContinuationP50Ms} ms`, p50 <= GOALS.fanoutContinuationP50Ms));
  }
  console.log(distributionLine(`${label.padEnd(48)}`, continuation));
  // The direct children's first calls: when the last of them started shows any wait for a worker slot.
  const firstCalls = (result: RunResult) => [...result.timeline.helperFirstAt.entries()].filter(([task]) => !task.startsWith('Piece')).map(([, at]) => at);
  const answers = (result: RunResult) => [...result.timeline.helperAnsweredAt.entries()].filter(([task]) => !task.startsWith('Piece')).map(([, at]) => at);
  console.log(distributionLine('  spawn call → first child\'s first call          ', distribution(runs.map((run) => Math.min(...firstCalls(run)) - run.timeline.spawnedAt!))));
  console.log(distributionLine('  spawn call → last child\'s first call           ', distribution(runs.map((run) => Math.max(...firstCalls(run)) - run.timeline.spawnedAt!))));
  console.log(distributionLine('  last child\'s answer → continuing turn          ', distribution(runs.map((run) => run.timeline.resultsAt! - Math.max(...answers(run))))));
  console.log(distributionLine('message sent → combined answer landed             ', distribution(runs.map((run) => run.answerMs))));

  const statements = total(window.statements);
  const idleStatements = (idle.statementsPerSecond * window.resources.seconds) / helpers;
  console.log(
    `db per helper: ${per(statements)} statements in ${per(window.writes)} socket writes (counted on the bot's connections; idle polling over as long would be ${idleStatements.toFixed(1)} statements)`,
  );
  for (const [text, value] of [...window.statements.entries()].sort((a, b) => b[1] - a[1]).slice(0, settings.topStatements)) console.log(`  ${per(value).padStart(5)}  ${text}`);
  for (const line of dbLines(window.db, helpers, 'helper')) console.log(line);

  const routes = new Map<string, number>();
  for (const record of runs.flatMap((run) => run.rest)) {
    const route = record.route ?? `${record.method} ${record.path}`;
    routes.set(route, (routes.get(route) ?? 0) + 1);
  }
  const byRoute = [...routes.entries()].sort((a, b) => b[1] - a[1]).map(([route, value]) => `${route} ${per(value)}`);
  console.log(`discord per helper: ${per(total(routes))} requests: ${byRoute.join(', ')}`);
  const failed = runs.flatMap((run) => run.rest).filter((record) => record.status >= 400).length;
  if (failed > 0) console.log(`  ${failed} of them failed`);
  console.log(resourceLine(window.resources));
}

/** Runs `runs` of a scenario, numbered from `firstRun` (each run's mark must be new). */
async function runSeries(stack: SpawnStack, spec: ShapeSpec, channels: string[], firstRun: number, runs: number): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let index = 0; index < runs; index++) results.push(await runOnce(stack, spec, channels.shift()!, firstRun + index));
  return results;
}

async function runScenario(stack: SpawnStack, meter: DbMeter, settings: SpawnSettings, shape: Shape, channels: string[], idle: IdleRates): Promise<void> {
  const spec = SHAPES[shape];
  const notDoneBefore = stack.turns.notDone;
  const window = await measured(stack, meter, () =>
    profiled(settings.cpuProfileDir, shape, stack.bot, () => runSeries(stack, spec, channels, settings.warmupRuns, settings.runs)),
  );
  printScenario(spec, window, idle, settings);
  const notDone = stack.turns.notDone - notDoneBefore;
  if (notDone > 0) console.log(`${notDone} turns did not end done`);
}

async function measureIdle(stack: SpawnStack, meter: DbMeter): Promise<IdleRates> {
  const window = await measured(stack, meter, () => new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000)));
  const rates = { cpuMsPerSecond: botCpuMs(window.resources) / window.resources.seconds, statementsPerSecond: total(window.statements) / window.resources.seconds };
  console.log(`idle bot (polling only, ${IDLE_SECONDS} s): ${ms(rates.cpuMsPerSecond)} ms CPU/s, ${rates.statementsPerSecond.toFixed(1)} statements/s`);
  return rates;
}

async function runAll(settings: SpawnSettings, database: BenchDatabase): Promise<void> {
  const channels = settings.shapes.length * (settings.warmupRuns + settings.runs);
  const stack = await startSpawnStack({ concurrency: settings.concurrency, channels }, database.url);
  const meter = createDbMeter(database.url);
  try {
    const concurrency = settings.concurrency ?? 8;
    console.log(
      `bot: WORKER_CONCURRENCY=${settings.concurrency ?? 'default (8)'} (helpers hold at most ${helperSlots(concurrency)} slots), pool 10, REST unlimited, ` +
        'HELPER_MAX_LIVE_PER_GUILD=100, HELPER_TREE_TOKEN_BUDGET=1000000, other limits at their defaults; a fresh channel per run',
    );
    const pool = [...stack.channelIds];
    // Warm-up first, so that the idle reading and every scenario find the process warm (JIT, pools).
    for (const shape of settings.shapes) await runSeries(stack, SHAPES[shape], pool, 0, settings.warmupRuns);
    const idle = await measureIdle(stack, meter);
    for (const shape of settings.shapes) await runScenario(stack, meter, settings, shape, pool, idle);
  } finally {
    await meter.close();
    await stack.stop();
  }
}

const settings = readSettings(process.env);
runBench(settings.serverUrl, {}, async (database) => {
  await runAll(settings, database);
});
