import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';

/** Read by people and by Docker Compose (`env_file`), so it must stay complete and truthful. */
const lines = readFileSync(fileURLToPath(new URL('../../.env.example', import.meta.url)), 'utf8').split('\n');

/** Variables the compose file reads, not the bot. */
const COMPOSE_ONLY = ['POSTGRES_PASSWORD'];

/** `NAME=value` lines, commented out (`# NAME=value`, a default) or not (a placeholder to fill in). */
const assignments = lines.flatMap((line, index) => {
  const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  return match ? [{ name: match[2]!, value: match[3]!, commented: match[1] !== undefined, index }] : [];
});

describe('.env.example', () => {
  it('lists every configuration variable once, and nothing else', () => {
    const names = assignments.map((assignment) => assignment.name);
    expect([...names].sort()).toEqual([...CONFIG_VARIABLES, ...COMPOSE_ONLY].sort());
  });

  it('explains each variable on the line above it, with its default or "Required."', () => {
    for (const { name, index } of assignments) {
      expect(lines[index - 1], name).toMatch(/^# (?![A-Z][A-Z0-9_]*=).+(Default: \S+|Required\.)$/);
    }
  });

  it('leaves only the secrets to fill in, empty; everything else is commented out at its default', () => {
    const active = assignments.filter((assignment) => !assignment.commented);
    expect(active).toEqual([
      expect.objectContaining({ name: 'DISCORD_TOKEN', value: '' }),
      expect.objectContaining({ name: 'OPENAI_API_KEY', value: '' }),
    ]);
    // Uncommenting every line, with a token, gives exactly the defaults (DATABASE_URL shows an example, not its default).
    const defaults = Object.fromEntries(
      assignments.filter(({ name }) => name !== 'DATABASE_URL' && !COMPOSE_ONLY.includes(name)).map(({ name, value }) => [name, value]),
    );
    const required = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key' };
    expect(loadConfig({ ...defaults, ...required })).toEqual(loadConfig(required));
  });
});
