import { readSettings, wholeNumberSetting } from './settings.js';

/** How the bot stores its data in a run: embedded PGlite, a PostgreSQL server, or the playground (PGlite, its own emulator). */
export type FootprintMode = 'pglite' | 'server' | 'playground';
const ALL_MODES: readonly FootprintMode[] = ['pglite', 'server', 'playground'];

/** What `npm run bench:footprint` measures, from BENCH_* variables (see bench/README.md). */
export interface FootprintSettings {
  runs: number;
  /** Sequential messages after the first start (PGlite and server). */
  messages: number;
  idleSeconds: number;
  /** Left unmeasured before each idle window: the bot's work may still be ending (see bench/README.md). */
  idleSettleSeconds: number;
  /** A PostgreSQL server on which the bench may create and drop a database of its own. */
  serverUrl: string;
  /** In the order each run takes them. */
  modes: readonly FootprintMode[];
}

function modes(env: NodeJS.ProcessEnv): readonly FootprintMode[] {
  const raw = env.BENCH_MODES?.trim();
  if (!raw) return ALL_MODES;
  const chosen = raw.split(',').map((name) => name.trim());
  const unknown = chosen.filter((name) => !ALL_MODES.includes(name as FootprintMode));
  if (unknown.length > 0) throw new Error(`BENCH_MODES: unknown mode(s) ${unknown.join(', ')}; use ${ALL_MODES.join(', ')}`);
  return ALL_MODES.filter((mode) => chosen.includes(mode));
}

export function readFootprintSettings(env: NodeJS.ProcessEnv): FootprintSettings {
  return {
    runs: wholeNumberSetting(env, 'BENCH_RUNS', 5, 1),
    messages: wholeNumberSetting(env, 'BENCH_MESSAGES', 200, 1),
    idleSeconds: wholeNumberSetting(env, 'BENCH_IDLE_SECONDS', 30, 1),
    idleSettleSeconds: wholeNumberSetting(env, 'BENCH_IDLE_SETTLE_SECONDS', 30, 0),
    serverUrl: readSettings(env).serverUrl,
    modes: modes(env),
  };
}
