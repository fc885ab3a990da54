import { existsSync } from 'node:fs';
import { parse } from 'dotenv';
import { readFileSync } from 'node:fs';
import { CONFIG_ERROR_EXIT_CODE, type Config, ConfigError, type LoadOptions, loadConfig } from './config.js';

/**
 * The process environment, with `.env` (when present) filling what the environment leaves unset.
 * Real environment variables win, so a deployment can override a checked-in file.
 */
export function readEnvironment(envFile = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parse(readFileSync(envFile)) : {};
  return { ...fromFile, ...process.env };
}

/** `.env` as it is written, for doctor to check the file itself (what `parse` hides: keys set twice). */
export interface EnvFile {
  readonly path: string;
  readonly text: string;
  /** The variables the process environment sets: each wins over whatever the file says. */
  readonly environmentNames: ReadonlySet<string>;
}

/** The `.env` file, or undefined when there is none. */
export function readEnvFile(envFile = '.env'): EnvFile | undefined {
  if (!existsSync(envFile)) return undefined;
  return { path: envFile, text: readFileSync(envFile, 'utf8'), environmentNames: new Set(Object.keys(process.env)) };
}

/** For entry points: the config, or the problems on stderr and exit code 78, without a stack trace. */
export function loadConfigOrExit(options: LoadOptions = {}): Config {
  try {
    return loadConfig(readEnvironment(), options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n\nSee .env.example and the Configuration section of README.md.\n`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
}
