/**
 * What `npm run bench:turn` measures and how hard, from BENCH_* variables. Defaults keep the
 * whole run under about two minutes on the project's 2-core machines.
 */
export interface BenchSettings {
  /** A PostgreSQL server on which the bench may create and drop a database of its own. */
  serverUrl: string;
  channels: number;
  /** Latency phase: messages per second, sent round-robin over the channels. */
  rate: number;
  /** Latency phase: measured turns (after the warm-up). */
  turns: number;
  /** Latency phase: unmeasured turns first, so every channel's agent exists and every pool is warm. */
  warmupTurns: number;
  /** Throughput phase: how long the closed loop runs. */
  throughputSeconds: number;
  /** WORKER_CONCURRENCY of the bot; unset keeps the production default (see "Worker concurrency" in bench/README.md). */
  concurrency: number | undefined;
  /** STREAM_EDIT_INTERVAL_MS of the bot; unset keeps the production default. */
  streamEditIntervalMs: number | undefined;
  /** Context-build phase: stored messages of the small and of the large channel. */
  smallMessages: number;
  largeMessages: number;
  /** Context-build phase: timed builds per channel (the median is reported). */
  contextBuilds: number;
  /** BENCH_LOG_STATEMENTS=1: the server logs every statement of the bench database (diagnostics). */
  logStatements: boolean;
  /** BENCH_CPU_PROFILE=<dir>: write a CPU profile of each phase there (see bench/profiling.ts). */
  cpuProfileDir: string | undefined;
  /** Skip phases, e.g. BENCH_PHASES=context (comma-separated: latency, throughput, context). */
  phases: ReadonlySet<Phase>;
}

export type Phase = 'latency' | 'throughput' | 'context';
const ALL_PHASES: readonly Phase[] = ['latency', 'throughput', 'context'];

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** A whole-number bench setting from the environment, at least `minimum`; unset or blank: `fallback`. */
export function wholeNumberSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${name} must be a whole number ≥ ${minimum}, got "${raw}"`);
  return value;
}

function phases(env: NodeJS.ProcessEnv): ReadonlySet<Phase> {
  const raw = env.BENCH_PHASES?.trim();
  if (!raw) return new Set(ALL_PHASES);
  const chosen = raw.split(',').map((name) => name.trim());
  const unknown = chosen.filter((name) => !ALL_PHASES.includes(name as Phase));
  if (unknown.length > 0) throw new Error(`BENCH_PHASES: unknown phase(s) ${unknown.join(', ')}; use ${ALL_PHASES.join(', ')}`);
  return new Set(chosen as Phase[]);
}

export function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const channels = Math.round(positive(env, 'BENCH_CHANNELS', 100));
  return {
    serverUrl: env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    channels,
    rate: positive(env, 'BENCH_RATE', 50),
    turns: Math.round(positive(env, 'BENCH_TURNS', 1000)),
    warmupTurns: Math.round(positive(env, 'BENCH_WARMUP_TURNS', 2 * channels)),
    throughputSeconds: positive(env, 'BENCH_THROUGHPUT_SECONDS', 15),
    concurrency: env.BENCH_CONCURRENCY ? Math.round(positive(env, 'BENCH_CONCURRENCY', 8)) : undefined,
    streamEditIntervalMs: env.BENCH_STREAM_EDIT_INTERVAL_MS ? Math.round(positive(env, 'BENCH_STREAM_EDIT_INTERVAL_MS', 1000)) : undefined,
    smallMessages: Math.round(positive(env, 'BENCH_SMALL_MESSAGES', 100)),
    largeMessages: Math.round(positive(env, 'BENCH_LARGE_MESSAGES', 100_000)),
    contextBuilds: Math.round(positive(env, 'BENCH_CONTEXT_BUILDS', 300)),
    logStatements: env.BENCH_LOG_STATEMENTS === '1',
    cpuProfileDir: env.BENCH_CPU_PROFILE?.trim() || undefined,
    phases: phases(env),
  };
}
