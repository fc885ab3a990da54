/**
 * `npm run bench:footprint`: what the bot costs the machine it runs on, started exactly as
 * `npm start` starts it, with embedded PGlite (the default), with a PostgreSQL server, and as the
 * playground: time to ready and RSS on a first start and on a restart, CPU and RSS over
 * sequential messages, CPU while idle. Runs interleave the modes, so that a machine that gets
 * busier weighs on each alike. Exits 0 whether or not the goals are met (it is a measurement),
 * non-zero only when a run failed. See bench/README.md.
 */
import { cleanUpOnSignals } from './footprintCleanup.js';
import { printRun, printSummary } from './footprintReport.js';
import { type ModeRun, runMode } from './footprintRun.js';
import { readFootprintSettings } from './footprintSettings.js';

async function main(): Promise<void> {
  const settings = readFootprintSettings(process.env);
  cleanUpOnSignals();
  console.log(
    `bench:footprint: ${settings.runs} run(s) of ${settings.modes.join(', ')}; ${settings.messages} messages, idle windows of ${settings.idleSeconds} s; ` +
      'the bot on the Discord emulator and the scripted model of this process (the playground on its own)',
  );
  const runs: ModeRun[] = [];
  for (let index = 0; index < settings.runs; index++) {
    for (const mode of settings.modes) {
      const run = await runMode(settings, mode);
      printRun(run, index, settings);
      runs.push(run);
    }
  }
  printSummary(runs, settings);
}

const startedAt = performance.now();
main().then(
  () => {
    console.log(`\ndone in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
    // At once: a socket or timer some library left behind must not keep a finished bench alive.
    process.exit(0);
  },
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
