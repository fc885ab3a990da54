import type { EnvFile } from '../environment.js';
import { type CheckResult, fail, skip } from './check.js';
import { type Section, checkConfig } from './checkConfig.js';
import { checkDatabase } from './checkDatabase.js';
import { checkDiscord } from './checkDiscord.js';
import { checkEnvFile } from './checkEnvFile.js';
import { checkLlm } from './checkLlm.js';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Bound on each network step (database connect, LLM request, Discord request). Default 5 s. */
  timeoutMs?: number;
  /** The `.env` file `env` was read from, if any: checked for keys set twice. */
  envFile?: EnvFile;
}

/**
 * Runs every check and returns the report's lines; prints nothing. A configuration problem skips
 * only the checks that depend on the broken variables, and the rest run in parallel.
 */
export async function runDoctor(env: Record<string, string | undefined>, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const { results, config, usable } = checkConfig(env);
  const timeoutMs = options.timeoutMs ?? 5000;
  const run = async (section: Section, name: string, check: () => Promise<CheckResult[]>): Promise<CheckResult[]> => {
    if (!usable.has(section)) return [skip(name, 'not checked: fix its configuration first')];
    try {
      return await check();
    } catch (error) {
      return [fail(name, `the check itself failed: ${(error as Error).message}`, 'this is a bug in doctor: please report it with this output')];
    }
  };
  const sections = await Promise.all([
    run('database', 'database', () => checkDatabase(config, { connectTimeoutMs: timeoutMs })),
    run('llm', 'llm endpoint', () => checkLlm(config, { timeoutMs })),
    run('discord', 'discord token', () => checkDiscord(config, { timeoutMs })),
  ]);
  // First: a key set twice in .env is often why a configuration line below fails.
  const fileResults = options.envFile ? checkEnvFile(options.envFile) : [];
  return [...fileResults, ...results, ...sections.flat()];
}
