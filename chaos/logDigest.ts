import type { LogEntry } from './botProcess.js';

const WARN = 40;
const ERROR = 50;

/** One kind of warning or error the bots logged: how often, and the first one in full. */
export interface DigestEntry {
  level: 'warn' | 'error' | 'fatal';
  msg: string;
  /** The error's message, when the line carried one (`err.message`). */
  detail: string;
  count: number;
  bots: Set<string>;
  firstLine: string;
}

/**
 * The warnings and errors of every bot process of a scenario, grouped by message and error text:
 * the evidence behind a non-zero figure (the full logs are in the run directory).
 */
export class LogDigest {
  private readonly entries = new Map<string, DigestEntry>();

  add(bot: string, entry: LogEntry, line: string): void {
    if (entry.level < WARN) return;
    const level = entry.level >= 60 ? 'fatal' : entry.level >= ERROR ? 'error' : 'warn';
    const detail = errorText(entry.err).slice(0, 160);
    const key = `${level}\u0000${entry.msg}\u0000${detail}`;
    const known = this.entries.get(key);
    if (known) {
      known.count += 1;
      known.bots.add(bot);
      return;
    }
    this.entries.set(key, { level, msg: entry.msg, detail, count: 1, bots: new Set([bot]), firstLine: line });
  }

  /** Most frequent first, errors before warnings. */
  list(): DigestEntry[] {
    const rank = { fatal: 0, error: 1, warn: 2 };
    return [...this.entries.values()].sort((a, b) => rank[a.level] - rank[b.level] || b.count - a.count);
  }
}

function errorText(err: unknown): string {
  if (!err || typeof err !== 'object') return '';
  const { message, type } = err as { message?: unknown; type?: unknown };
  return `${typeof type === 'string' ? `${type}: ` : ''}${typeof message === 'string' ? message.split('\n')[0] : ''}`;
}
