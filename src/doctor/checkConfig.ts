import { type Config, ConfigError, loadConfig } from '../config.js';
import { type CheckResult, fail, ok } from './check.js';

/** The parts of the configuration that the other checks use. */
export type Section = 'database' | 'llm' | 'discord';

/** Which variables each section depends on: a problem in one of them skips that section's check. */
const SECTION_VARIABLES: Record<Section, readonly string[]> = {
  database: ['DATABASE_URL', 'DATA_DIR', 'DATABASE_POOL_SIZE', 'DATABASE_CONNECT_TIMEOUT_SECONDS'],
  llm: ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DEFAULT_MODEL'],
  discord: ['DISCORD_TOKEN', 'DISCORD_API_URL'],
};

/** Stands in for a required secret whose section is skipped anyway, so the rest still loads. */
const PLACEHOLDER = 'doctor-placeholder';

/** The outcome of checking the configuration. */
export interface ConfigCheck {
  /** One ✓ line, or one ✗ line per problem with its fix. */
  readonly results: CheckResult[];
  /** The configuration with every invalid variable at its default: trust only the `usable` sections. */
  readonly config: Config;
  /** Sections whose variables are all valid, so their checks can run. */
  readonly usable: ReadonlySet<Section>;
}

/**
 * Loads the configuration the way the bot does. On problems it still returns a configuration for
 * the sections that are fine, so that, say, the database is checked even without a Discord token.
 */
export function checkConfig(env: Record<string, string | undefined>): ConfigCheck {
  const sections = Object.keys(SECTION_VARIABLES) as Section[];
  try {
    return { results: [ok('config', 'valid')], config: loadConfig(env), usable: new Set(sections) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const failing = new Set(error.issues.map((issue) => issue.variable));
    const usable = new Set(sections.filter((section) => SECTION_VARIABLES[section].every((name) => !failing.has(name))));
    const valid = Object.fromEntries(Object.entries(env).filter(([name]) => !failing.has(name)));
    const config = loadConfig({
      ...valid,
      ...(usable.has('discord') ? {} : { DISCORD_TOKEN: PLACEHOLDER }),
      ...(usable.has('llm') ? {} : { OPENAI_API_KEY: PLACEHOLDER }),
    });
    const results = error.issues.map((issue) => fail('config', `${issue.variable} ${issue.problem}`, issue.fix));
    return { results, config, usable };
  }
}
