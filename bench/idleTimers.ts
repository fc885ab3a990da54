/**
 * `npm run bench:idle-timers`: what each timer an idle bot keeps costs, in CPU milliseconds per
 * second. Each runs alone in a fresh Node process, set up as the bot sets it up, for
 * BENCH_IDLE_SECONDS (default 30) once its imports have settled; a bare process is the baseline.
 * Prints figures; exits 0 (it is a measurement), non-zero only when a child failed.
 */
import { spawn } from 'node:child_process';
import { EVENT_LOOP_SAMPLE_MS } from '../src/http/metrics.js';
import { wholeNumberSetting } from './settings.js';

/** Each timer as the bot starts it (src/http/metrics.ts, src/scheduler/scheduler.ts). */
const TIMERS: ReadonlyArray<{ name: string; setup: string }> = [
  { name: 'bare Node process (baseline)', setup: '' },
  {
    name: `prom-client default metrics, event-loop delay sampled every ${EVENT_LOOP_SAMPLE_MS} ms (the bot's)`,
    setup: `const { Registry, collectDefaultMetrics } = await import('prom-client'); collectDefaultMetrics({ register: new Registry(), eventLoopMonitoringPrecision: ${EVENT_LOOP_SAMPLE_MS} });`,
  },
  {
    name: "prom-client default metrics, prom-client's default sampling (10 ms)",
    setup: "const { Registry, collectDefaultMetrics } = await import('prom-client'); collectDefaultMetrics({ register: new Registry() });",
  },
  {
    name: "node-cron tick every second (the scheduler's, comparing one cached due time)",
    setup: "const cron = (await import('node-cron')).default; let dueAt = Date.now() + 3600_000; cron.schedule('* * * * * *', () => { if (Date.now() >= dueAt) dueAt += 1; }, { noOverlap: true });",
  },
  { name: 'a plain setInterval every second, for comparison', setup: 'setInterval(() => {}, 1000);' },
];

/** Let the imports' garbage collection and compilation finish before the window starts. */
const SETTLE_MS = 12_000;

/** Runs `setup` in a child, then reports the CPU it used over `seconds` of idling (ms/s). */
function measure(setup: string, seconds: number): Promise<number> {
  // The window starts once the setup has settled (imports are start-up cost, not idling).
  const code = `${setup}
await new Promise((resolve) => setTimeout(resolve, ${SETTLE_MS}));
const start = process.cpuUsage();
setTimeout(() => { const used = process.cpuUsage(start); process.stdout.write(JSON.stringify((used.user + used.system) / 1000 / ${seconds})); process.exit(0); }, ${seconds * 1000});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timeout = setTimeout(() => child.kill('SIGKILL'), SETTLE_MS + (seconds + 30) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timeout);
      const msPerSecond = Number(output);
      if (code === 0 && Number.isFinite(msPerSecond)) resolve(msPerSecond);
      else reject(new Error(`the child exited with ${code}, printing "${output}"`));
    });
  });
}

async function main(): Promise<void> {
  const seconds = wholeNumberSetting(process.env, 'BENCH_IDLE_SECONDS', 30, 1);
  console.log(`bench:idle-timers: each timer alone in a fresh Node process, ${seconds} s each`);
  let baseline = 0;
  for (const [index, timer] of TIMERS.entries()) {
    const msPerSecond = await measure(timer.setup, seconds);
    if (index === 0) baseline = msPerSecond;
    const own = index === 0 ? '' : ` (${(msPerSecond - baseline).toFixed(2)} ms/s over the baseline)`;
    console.log(`  ${timer.name}: ${msPerSecond.toFixed(2)} ms/s${own}`);
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
