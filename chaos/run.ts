/**
 * `npm run chaos`: the fault suite. Runs the real bot in child processes against the Discord
 * emulator and the scripted model, breaks things (see chaos/README.md), and prints one line of
 * figures per scenario and a line of totals. Exits 1 when a goal is missed.
 */
import { execFileSync } from 'node:child_process';
import { formatResult, formatTotals, missedGoals } from './report.js';
import { runDatabase } from './scenarios/database.js';
import { runDiscord } from './scenarios/discord.js';
import { runKill } from './scenarios/kill.js';
import { runModel } from './scenarios/model.js';
import { runTwoProcesses } from './scenarios/twoProcesses.js';
import { readSettings, type ChaosSettings } from './settings.js';
import { closeOpenStacks, type ScenarioResult } from './stack.js';

const SCENARIOS: Record<string, (settings: ChaosSettings) => Promise<ScenarioResult>> = {
  kill: runKill,
  database: runDatabase,
  model: runModel,
  discord: runDiscord,
  'two-processes': runTwoProcesses,
};

const write = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const settings = readSettings();
  const names = settings.scenarios ?? Object.keys(SCENARIOS);
  const unknown = names.filter((name) => !SCENARIOS[name]);
  if (unknown.length > 0) {
    process.stderr.write(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${Object.keys(SCENARIOS).join(', ')}\n`);
    return 2;
  }
  write(`chaos: seed ${settings.seed} (CHAOS_SEED), bot from ${settings.botDir}${describeCommit(settings.botDir)}, logs in ${settings.logDir}`);
  const startedAt = Date.now();
  const results: ScenarioResult[] = [];
  const failed: string[] = [];
  for (const name of names) {
    try {
      const result = await SCENARIOS[name]!(settings);
      results.push(result);
      write(formatResult(result));
    } catch (error) {
      failed.push(name);
      write(`${name.padEnd(14)} ERROR ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  write(formatTotals(results, failed, Date.now() - startedAt));
  return failed.length > 0 || results.some((result) => missedGoals(result).length > 0) ? 1 : 0;
}

function describeCommit(directory: string): string {
  try {
    const commit = execFileSync('git', ['-C', directory, 'log', '-1', '--format=%h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', directory, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return ` (commit ${commit}${dirty ? ', src/ modified' : ''})`;
  } catch {
    return '';
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the bots and dropping the database…\n`);
    void closeOpenStacks().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
