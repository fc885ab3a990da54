import { existsSync } from 'node:fs';
import { parse } from 'dotenv';
import { readFileSync } from 'node:fs';
import { CONFIG_ERROR_EXIT_CODE, type Config, ConfigError, loadConfig } from './config.js';

/**
 * The process environment, with `.env` (when present) filling what the environment leaves unset.
 * Real environment variables win, so a deployment can override a checked-in file.
 */
export function readEnvironment(envFile = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parse(readFileSync(envFile)) : {};
  return { ...fromFile, ...process.env };
}

/** For entry points: the config, or the problems on stderr and exit code 78, without a stack trace. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig(readEnvironment());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n\nSee .env.example and the Configuration section of README.md.\n`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
}
