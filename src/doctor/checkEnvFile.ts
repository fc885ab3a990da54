import { parse } from 'dotenv';
import type { EnvFile } from '../environment.js';
import { type CheckResult, warn } from './check.js';

/** A variable that `.env` sets on more than one line. */
export interface DuplicateKey {
  readonly key: string;
  /** 1-based, in file order. */
  readonly lines: readonly number[];
  /** The value each of those lines gives, as dotenv reads it. */
  readonly values: readonly string[];
}

/**
 * dotenv's own line pattern (dotenv/lib/main.js, `LINE`), so that assignments are found where
 * dotenv finds them: `export KEY=…`, `KEY: …`, quoted values spanning several lines, comments.
 */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/** Values never shown, only said to be empty or set: the report must not print a secret. */
const SECRET_NAME = /TOKEN|KEY|PASSWORD|SECRET|DATABASE_URL/;

/** Every key the file sets more than once, in the order of their first line. */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  // dotenv reads \r\n and \r as line breaks too.
  const normalized = text.replace(/\r\n?/g, '\n');
  const seen = new Map<string, { lines: number[]; values: string[] }>();
  for (const match of normalized.matchAll(LINE)) {
    const key = match[1]!;
    // The pattern's leading \s* may start on a blank line above: count from the key itself.
    const keyAt = (match.index ?? 0) + /^\s*(?:export\s+)?/.exec(match[0])![0].length;
    const line = normalized.slice(0, keyAt).split('\n').length;
    const entry = seen.get(key) ?? { lines: [], values: [] };
    entry.lines.push(line);
    entry.values.push(parse(match[0])[key] ?? '');
    seen.set(key, entry);
  }
  return [...seen].filter(([, entry]) => entry.lines.length > 1).map(([key, entry]) => ({ key, ...entry }));
}

/**
 * Warns about each key `.env` sets twice or more. dotenv keeps the last line's value, so the
 * usual accident — `cp .env.example .env`, then lines pasted at the top — leaves the template's
 * empty `DISCORD_TOKEN=` further down in force. Says which lines, which one wins (or that the
 * environment overrides them all) and what it holds, without showing a secret.
 */
export function checkEnvFile(file: EnvFile): CheckResult[] {
  return findDuplicateKeys(file.text).map(({ key, lines, values }) => {
    const last = lines.at(-1)!;
    const winner = values.at(-1)!;
    const where = `${lines.length === 2 ? 'twice' : `${lines.length} times`} in ${file.path}, on lines ${listOf(lines)}`;
    if (file.environmentNames.has(key)) {
      return warn(file.path, `${key} is set ${where}; the environment's ${key} overrides them all`, `keep one ${key} line in ${file.path}, the one you mean to use when the environment does not set it`);
    }
    const shown = describeValue(key, winner);
    const others = lines.slice(0, -1);
    const ignored = `line${others.length === 1 ? '' : 's'} ${listOf(others)} ${others.length === 1 ? 'is' : 'are'} ignored`;
    const detail = `${key} is set ${where}: the last one wins, so ${key} is ${shown} (line ${last}) and ${ignored}`;
    if (values.every((value) => value === winner)) return warn(file.path, detail, `delete line${others.length === 1 ? '' : 's'} ${listOf(others)}: ${others.length === 1 ? 'it says' : 'they say'} the same`);
    if (winner === '' && values.some((value) => value !== '')) {
      return warn(file.path, detail, `delete line ${last}: it is empty and hides the value set above it`);
    }
    return warn(file.path, detail, `keep only the ${key} line with the value you mean and delete the other${lines.length === 2 ? '' : 's'} (lines ${listOf(lines)})`);
  });
}

function describeValue(key: string, value: string): string {
  if (value === '') return 'empty';
  if (SECRET_NAME.test(key)) return 'set (the value is not shown)';
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 59)}…` : value);
}

/** 1, 2 and 3 */
function listOf(numbers: readonly number[]): string {
  return numbers.length === 1 ? String(numbers[0]) : `${numbers.slice(0, -1).join(', ')} and ${String(numbers.at(-1))}`;
}
