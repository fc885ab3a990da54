import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The suite's variables (see chaos/README.md). */
export interface ChaosSettings {
  /** A PostgreSQL server on which `matryoshka_chaos_<pid>` may be created and dropped. */
  databaseUrl: string;
  /** Scenarios to run, in order; every one when CHAOS_SCENARIOS is unset. */
  scenarios: string[] | undefined;
  seed: string;
  /** The checkout whose bot runs (default: this one). */
  botDir: string;
  /** Where each bot's log goes. */
  logDir: string;
}

const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function readSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const list = (env.CHAOS_SCENARIOS ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  return {
    databaseUrl: env.CHAOS_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    scenarios: list.length > 0 ? list : undefined,
    seed: env.CHAOS_SEED || String(Date.now() % 1_000_000),
    botDir: resolve(env.CHAOS_BOT_DIR || REPOSITORY),
    logDir: resolve(env.CHAOS_LOG_DIR || `/tmp/matryoshka-chaos-${process.pid}`),
  };
}
