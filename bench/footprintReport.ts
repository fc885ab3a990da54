import { type IdleFigures, PEAK_SAMPLE_MS, type StartFigures } from './footprintPhases.js';
import type { ModeRun } from './footprintRun.js';
import type { FootprintMode, FootprintSettings } from './footprintSettings.js';
import { goalLine, median, ms } from './stats.js';

/** Issue 12, "lean embedded default". */
const GOALS = { firstStartRssMib: 250, restartRssMib: 200, afterMessagesRssMib: 220, cpuVersusServer: 2, idleMsPerSecond: 3, firstStartSeconds: 5 };

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const seconds = (milliseconds: number) => (milliseconds / 1000).toFixed(2);
const cores = (value: number) => value.toFixed(3);

/** `180 (175–190) MiB` over the runs: the median, then the range (none for one run). */
function spread(values: readonly number[], format: (value: number) => string, unit: string): string {
  if (values.length === 0) return 'n/a';
  const range = values.length > 1 ? ` (${format(Math.min(...values))}–${format(Math.max(...values))})` : '';
  return `${format(median(values))}${range} ${unit}`;
}

function startPart(label: string, start: StartFigures): string {
  return `${label} ${seconds(start.readyMs)} s, ${mib(start.rssAtReadyBytes)} MiB at ready (peak ${mib(start.peakRssBytes)})`;
}

const idlePart = (idle: IdleFigures) => `idle ${ms(idle.botMsPerSecond)} ms/s` + (idle.settlingMsPerSecond === undefined ? '' : ` (settling before it ${ms(idle.settlingMsPerSecond)} ms/s)`);

/** One run as soon as it ended, so that a bench stopped half-way still said something. */
export function printRun(run: ModeRun, index: number, settings: FootprintSettings): void {
  const parts = [startPart('first start', run.first)];
  if (run.chat) {
    const postgres = run.mode === 'server' ? ` + PostgreSQL ${ms(run.chat.postgresCpuMsPerMessage)}` : '';
    parts.push(`${settings.messages} messages in ${run.chat.seconds.toFixed(1)} s: ${ms(run.chat.botCpuMsPerMessage)} ms CPU each${postgres}, ${mib(run.chat.rssAfterBytes)} MiB after`);
  }
  if (run.idle) parts.push(idlePart(run.idle));
  parts.push(startPart('restart', run.restart));
  if (run.restartIdle) parts.push(idlePart(run.restartIdle));
  console.log(`run ${index + 1} ${run.mode.padEnd(10)} ${parts.join(' · ')}`);
}

type Read = (run: ModeRun) => number | undefined;

/** The runs of each mode, and what is read from them. */
class Runs {
  constructor(private readonly runs: readonly ModeRun[]) {}

  of(mode: FootprintMode): ModeRun[] {
    return this.runs.filter((run) => run.mode === mode);
  }

  has(mode: FootprintMode): boolean {
    return this.of(mode).length > 0;
  }

  values(mode: FootprintMode, read: Read): number[] {
    return this.of(mode)
      .map(read)
      .filter((value): value is number => value !== undefined);
  }

  idleWindows(mode?: FootprintMode): IdleFigures[] {
    return this.runs.filter((run) => mode === undefined || run.mode === mode).flatMap((run) => [run.idle, run.restartIdle].filter((idle) => idle !== undefined));
  }
}

function printRssGoal(runs: Runs, label: string, read: Read, limitMib: number, serverBeside: boolean): void {
  const rss = (mode: FootprintMode) => spread(runs.values(mode, read), mib, 'MiB');
  const beside = serverBeside && runs.has('server') ? `; server ${rss('server')}` : '';
  console.log(goalLine(`${label} (PGlite) ${rss('pglite')}${beside}`, `≤ ${limitMib} MiB`, median(runs.values('pglite', read)) / 2 ** 20 <= limitMib));
}

function printGoals(runs: Runs, settings: FootprintSettings): void {
  if (runs.has('pglite')) {
    printRssGoal(runs, 'RSS at ready, first start', (run) => run.first.rssAtReadyBytes, GOALS.firstStartRssMib, false);
    printRssGoal(runs, 'RSS at ready, restart', (run) => run.restart.rssAtReadyBytes, GOALS.restartRssMib, true);
    printRssGoal(runs, `RSS after ${settings.messages} messages`, (run) => run.chat?.rssAfterBytes, GOALS.afterMessagesRssMib, true);
  }
  printCpuGoal(runs);
  for (const mode of ['pglite', 'server'] as const) if (runs.has(mode)) printIdleGoal(runs, mode);
  if (runs.has('pglite')) {
    const ready = runs.values('pglite', (run) => run.first.readyMs);
    console.log(goalLine(`first start time to ready (PGlite) ${spread(ready, seconds, 's')}`, `≤ ${GOALS.firstStartSeconds} s`, median(ready) <= GOALS.firstStartSeconds * 1000));
  }
}

/** PGlite's bot does its database's work in its own process: it is compared with the server's bot and PostgreSQL together. */
function printCpuGoal(runs: Runs): void {
  const bot = (mode: FootprintMode) => runs.values(mode, (run) => run.chat?.botCpuMsPerMessage);
  const serverTotal = runs.values('server', (run) => run.chat && run.chat.botCpuMsPerMessage + run.chat.postgresCpuMsPerMessage);
  const serverParts = `server bot ${spread(bot('server'), ms, 'ms')} + PostgreSQL ${spread(runs.values('server', (run) => run.chat?.postgresCpuMsPerMessage), ms, 'ms')}`;
  if (!runs.has('pglite')) {
    if (runs.has('server')) console.log(`CPU per message: ${serverParts}`);
    return;
  }
  const figure = `bot CPU per message (PGlite) ${spread(bot('pglite'), ms, 'ms')}`;
  if (!runs.has('server')) {
    console.log(`${figure} (the goal compares it with the server mode: BENCH_MODES)`);
    return;
  }
  const limit = GOALS.cpuVersusServer * median(serverTotal);
  console.log(goalLine(figure, `≤ ${ms(limit)} ms`, median(bot('pglite')) <= limit));
  console.log(`  (= ${GOALS.cpuVersusServer} × (${serverParts}); PostgreSQL: every postgres process of the machine)`);
}

function printIdleGoal(runs: Runs, mode: 'pglite' | 'server'): void {
  const afterMessages = runs.values(mode, (run) => run.idle?.botMsPerSecond);
  const afterRestart = runs.values(mode, (run) => run.restartIdle?.botMsPerSecond);
  const label = mode === 'pglite' ? 'PGlite' : 'server';
  const figure = `idle CPU, bot (${label}) ${spread(afterMessages, ms, 'ms/s')}; after restart ${spread(afterRestart, ms, 'ms/s')}`;
  const met = median(afterMessages) <= GOALS.idleMsPerSecond && median(afterRestart) <= GOALS.idleMsPerSecond;
  console.log(goalLine(figure, `≤ ${GOALS.idleMsPerSecond} ms/s`, met));
  const perSecond = (read: Read) => spread(runs.values(mode, read), ms, 'ms/s');
  if (runs.values(mode, (run) => run.idle?.settlingMsPerSecond).length > 0) {
    console.log(`  (the settling periods before the windows: ${perSecond((run) => run.idle?.settlingMsPerSecond)}; after restart ${perSecond((run) => run.restartIdle?.settlingMsPerSecond)})`);
  }
  if (mode === 'server') {
    console.log(`  (PostgreSQL meanwhile ${perSecond((run) => run.idle?.postgresMsPerSecond)}; after restart ${perSecond((run) => run.restartIdle?.postgresMsPerSecond)})`);
  }
}

function printStarts(runs: Runs, modes: readonly FootprintMode[]): void {
  console.log('\nstarts (first start / restart):');
  const both = (mode: FootprintMode, read: (run: ModeRun, which: 'first' | 'restart') => number, format: (value: number) => string, unit: string) =>
    `${spread(runs.values(mode, (run) => read(run, 'first')), format, unit)} / ${spread(runs.values(mode, (run) => read(run, 'restart')), format, unit)}`;
  const indent = ''.padEnd(10);
  for (const mode of modes) {
    console.log(`  ${mode.padEnd(10)} time to ready ${both(mode, (run, which) => run[which].readyMs, seconds, 's')}`);
    console.log(`  ${indent} RSS at ready ${both(mode, (run, which) => run[which].rssAtReadyBytes, mib, 'MiB')}`);
    console.log(
      `  ${indent} peak RSS before ready (tree, every ${PEAK_SAMPLE_MS} ms) ${both(mode, (run, which) => run[which].peakRssBytes, mib, 'MiB')}; ` +
        `VmHWM of the bot's own process ${both(mode, (run, which) => run[which].rootPeakBytes, mib, 'MiB')}`,
    );
    console.log(`  ${indent} CPU to ready ${both(mode, (run, which) => run[which].cpuMsToReady, seconds, 's')}`);
    console.log(`  ${indent} SIGTERM → exit ${both(mode, (run, which) => run.stopMs[which], seconds, 's')}`);
  }
}

/** Where a start's time goes: the median time after the spawn of each log line before ready, in the order of the first run. */
function printMilestones(runs: Runs, modes: readonly FootprintMode[]): void {
  console.log('\nlog lines before ready (median ms after the spawn):');
  for (const mode of modes) {
    for (const which of ['first', 'restart'] as const) {
      const starts = runs.of(mode).map((run) => run[which].milestones);
      const messages = [...(starts[0]?.keys() ?? [])];
      const steps = messages.map((message) => `${message} ${ms(median(starts.flatMap((start) => start.get(message) ?? [])))}`);
      console.log(`  ${mode} ${which === 'first' ? 'first start' : 'restart'}: ${steps.join(' · ')}`);
    }
  }
}

/** What else used the machine while the bot idled: figures taken on a busy machine are pessimistic. */
function printNoise(runs: Runs): void {
  const windows = runs.idleWindows();
  if (windows.length === 0) return;
  const other = windows.map((idle) => idle.otherCores).filter((value) => value !== null);
  const harness = windows.map((idle) => idle.harnessCores);
  const postgresUnused = runs.idleWindows('pglite').map((idle) => idle.postgresMsPerSecond);
  console.log(
    `\nmachine during the idle windows: other processes ${spread(other, cores, 'cores')}, this process (emulator, scripted model) ${spread(harness, cores, 'cores')}` +
      (postgresUnused.length > 0 ? `, PostgreSQL while the PGlite bot idled (other sessions) ${spread(postgresUnused, ms, 'ms/s')}` : ''),
  );
}

export function printSummary(allRuns: readonly ModeRun[], settings: FootprintSettings): void {
  const runs = new Runs(allRuns);
  console.log(`\n== footprint: median (min–max) of ${settings.runs} run(s); RSS summed over the bot's process tree ==`);
  printGoals(runs, settings);
  printStarts(runs, settings.modes);
  printMilestones(runs, settings.modes);
  printNoise(runs);
}
