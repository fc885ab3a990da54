/**
 * `npm run bench:turn`: the engine's own cost per turn, with no model latency. N turns over M
 * channels go through the real app (discord.js, the engine, PostgreSQL), in a process of its
 * own, against the Discord emulator and the scripted model in this one. Prints latency at a fixed rate,
 * throughput at saturation, and context-build time with a short and a very long history,
 * each next to its goal. Exits 0 whether or not the goals are met (it is a measurement), and
 * non-zero only when the run itself failed. See bench/README.md.
 */
import { loadConfig } from '../src/config.js';
import { runContextPhase, type ContextResult } from './contextBuild.js';
import { type BenchDatabase, runBench } from './database.js';
import { type DbMeter, createDbMeter, dbLines } from './dbStats.js';
import { runLatencyPhase, type LatencyResult } from './latency.js';
import { profiled } from './profiling.js';
import { resourceLine } from './resources.js';
import { type BenchSettings, readSettings } from './settings.js';
import { type Stack, startStack } from './stack.js';
import { distributionLine, goalLine, ms } from './stats.js';
import { runThroughputPhase, type ThroughputResult } from './throughput.js';

const GOALS = { p50Ms: 3, p99Ms: 15, turnsPerSecond: 300, contextRatio: 1.2 };

function printLatency(result: LatencyResult, settings: BenchSettings): void {
  console.log(`\n== latency: ${settings.turns} turns at ${settings.rate}/s over ${settings.channels} channels (sent at ${result.achievedRate.toFixed(1)}/s) ==`);
  console.log(goalLine(`overhead p50 ${ms(result.overhead.p50)} ms`, `≤ ${GOALS.p50Ms} ms`, result.overhead.p50 <= GOALS.p50Ms));
  console.log(goalLine(`overhead p99 ${ms(result.overhead.p99)} ms`, `≤ ${GOALS.p99Ms} ms`, result.overhead.p99 <= GOALS.p99Ms));
  console.log(distributionLine('overhead (message sent → reply landed, minus model) ', result.overhead));
  console.log(distributionLine('  intake+queue (message sent → turn started)       ', result.intake));
  console.log(distributionLine('  in-worker (hook totalMs − modelMs)                ', result.inWorker));
  console.log(distributionLine('  after the reply landed (→ turn finished)         ', result.tail));
  console.log(distributionLine('model time (scripted, no latency)                  ', result.model));
  if (result.unanswered > 0) console.log(`${result.unanswered} of ${result.sent} messages got no reply of their own (answered together with a later one, or timed out)`);
  console.log(resourceLine(result.resources));
}

function printThroughput(result: ThroughputResult, settings: BenchSettings): void {
  console.log(`\n== throughput: closed loop over ${settings.channels} channels for ${settings.throughputSeconds} s, after 2 s of warm-up ==`);
  const rate = result.turnsPerSecond;
  console.log(goalLine(`throughput ${rate.toFixed(0)} turns/s (${result.turns} turns)`, `≥ ${GOALS.turnsPerSecond}/s`, rate >= GOALS.turnsPerSecond));
  console.log(distributionLine('in-worker overhead under load (totalMs − modelMs)', result.inWorker));
  if (result.failedTurns > 0 || result.timeouts > 0) console.log(`${result.failedTurns} turns failed, ${result.timeouts} replies timed out`);
  console.log(resourceLine(result.resources));
}

function printContext(result: ContextResult): void {
  console.log('\n== context build (ContextBuilder.build on the real server, median) ==');
  const { small, sameWindow, foldCycle } = result;
  const figure = `context-build ${small.storedMessages} msgs ${ms(small.buildMs)} ms, ${sameWindow.storedMessages} msgs ${ms(sameWindow.buildMs)} ms, ratio ${result.ratio.toFixed(2)}`;
  console.log(goalLine(figure, `≤ ${GOALS.contextRatio}`, result.ratio <= GOALS.contextRatio));
  console.log('  (the same window of newest messages in both; below, the long channel as the summariser keeps it)');
  for (const item of [small, sameWindow, ...foldCycle]) {
    const summary = item.summaryTokens > 0 ? `+ summary of ${item.summaryTokens} tokens` : 'no summary';
    console.log(
      `  ${item.label.padEnd(22)} ${String(item.storedMessages).padStart(6)} stored: ${ms(item.buildMs)} ms (×${(item.buildMs / small.buildMs).toFixed(2)}), ` +
        `stores ${ms(item.storeMs)} ms (${item.storeCalls} queries, ${item.rowsFetched} rows) → prompt of ${item.promptMessages} messages, ${item.promptTokens} tokens, ${summary}`,
    );
  }
  const mean = foldCycle.reduce((sum, item) => sum + item.buildMs, 0) / foldCycle.length;
  const first = foldCycle[0]!;
  const last = foldCycle.at(-1)!;
  const perRowUs = ((last.buildMs - first.buildMs) / Math.max(1, last.promptMessages - first.promptMessages)) * 1000;
  console.log(
    `  over the fold cycle: mean ${ms(mean)} ms (×${(mean / small.buildMs).toFixed(2)}), longest tail ×${(last.buildMs / small.buildMs).toFixed(2)}; ` +
      `each prompt message costs about ${perRowUs.toFixed(1)} µs, each stored one nothing measurable`,
  );
}

/** The budget and summary trigger the bot runs with by default. */
function productionContextLimits() {
  return loadConfig({ DISCORD_TOKEN: 'unused', OPENAI_API_KEY: 'unused' }).context;
}

/**
 * Runs a phase between two readings of the server's statistics, and prints what it asked of
 * the database per turn (turns as the hook counted them, warm-up and drain included).
 */
async function withDbStats<T>(stack: Stack, meter: DbMeter, phase: () => Promise<T>, print: (result: T) => void): Promise<void> {
  const stop = await meter.start();
  const turnsBefore = stack.tracker.reportsSeen;
  const result = await phase();
  const use = await stop();
  print(result);
  for (const line of dbLines(use, Math.max(1, stack.tracker.reportsSeen - turnsBefore))) console.log(line);
}

async function runChatPhases(settings: BenchSettings, database: BenchDatabase): Promise<void> {
  if (!settings.phases.has('latency') && !settings.phases.has('throughput')) return;
  const stack: Stack = await startStack(settings, database.url);
  const meter = createDbMeter(database.url);
  try {
    console.log(`bot: WORKER_CONCURRENCY=${settings.concurrency ?? 'default'}, STREAM_EDIT_INTERVAL_MS=${settings.streamEditIntervalMs ?? 'default'}, pool 10, REST unlimited`);
    if (settings.phases.has('latency')) {
      const phase = () => profiled(settings.cpuProfileDir, 'latency', stack.bot, () => runLatencyPhase(stack, settings));
      await withDbStats(stack, meter, phase, (result) => printLatency(result, settings));
      stack.llm.reset(); // its request log holds every prompt: free it between phases
    }
    if (settings.phases.has('throughput')) {
      const phase = () => profiled(settings.cpuProfileDir, 'throughput', stack.bot, () => runThroughputPhase(stack, settings.throughputSeconds));
      await withDbStats(stack, meter, phase, (result) => printThroughput(result, settings));
    }
  } finally {
    await meter.close();
    await stack.stop();
  }
}

async function runContext(settings: BenchSettings, database: BenchDatabase): Promise<void> {
  if (!settings.phases.has('context')) return;
  const handle = await database.open(2);
  try {
    const result = await runContextPhase(handle, productionContextLimits(), {
      smallMessages: settings.smallMessages,
      largeMessages: settings.largeMessages,
      builds: settings.contextBuilds,
    });
    printContext(result);
  } finally {
    await handle.close();
  }
}

const settings = readSettings(process.env);
runBench(settings.serverUrl, { logStatements: settings.logStatements }, async (database) => {
  await runChatPhases(settings, database);
  await runContext(settings, database);
});
