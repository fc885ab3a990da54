import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from './footprintCleanup.js';

/** One JSON line of the bot's log (pino): `time` is epoch milliseconds. */
export interface LogLine {
  readonly msg: string;
  readonly time: number;
  readonly level: number;
  readonly err?: { message?: string };
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** pino's level of `warn`: such lines are shown as they come, the rest only kept. */
const WARN_LEVEL = 40;
const STDERR_TAIL_CHARS = 4000;

function startScript(): string {
  const script = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { scripts?: { start?: string } }).scripts?.start;
  if (!script) throw new Error('package.json has no scripts.start');
  return script;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The bot started exactly as `npm start` starts it: package.json's `scripts.start` run by
 * `sh -c` in the repository's root. The script `exec`s node, so the shell's pid becomes the
 * bot's. It runs in a process group of its own, so that Ctrl-C reaches only the bench and a
 * failed run can take every process of the bot down at once.
 */
export class NpmStartBot {
  /** Epoch milliseconds of the spawn, to compare with the log's `time`. */
  readonly spawnedAt = Date.now();
  private readonly child: ChildProcess;
  private readonly lines: LogLine[] = [];
  private readonly lineListeners = new Set<(line: LogLine) => void>();
  private stderrTail = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly unregister: () => void;

  /** Starts the bot with `env` as its whole environment (PATH added, to find node). */
  constructor(env: Record<string, string>) {
    this.child = spawn('sh', ['-c', startScript()], {
      cwd: REPO_ROOT,
      env: { ...env, PATH: process.env.PATH ?? '' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.unregister = registerCleanup(() => this.kill());
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    createInterface({ input: this.child.stdout! }).on('line', (text) => this.onLine(text));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first line logged with `msg`, already or yet to come. @throws Error when the bot exits first or after `timeoutMs` */
  logged(msg: string, timeoutMs: number): Promise<LogLine> {
    const earlier = this.lines.find((line) => line.msg === msg);
    if (earlier) return Promise.resolve(earlier);
    let listener: ((line: LogLine) => void) | undefined;
    const line = new Promise<LogLine>((resolve) => {
      listener = (logged) => {
        if (logged.msg === msg) resolve(logged);
      };
      this.lineListeners.add(listener);
    });
    const exit = this.exited.then(({ code, signal }) => {
      throw new Error(`the bot exited (${code ?? signal}) before it logged "${msg}"${this.stderr()}`);
    });
    return withTimeout(Promise.race([line, exit]), timeoutMs, `the bot did not log "${msg}"`).finally(() => this.lineListeners.delete(listener!));
  }

  /** Milliseconds from the spawn to the first line logged with each message, in the order they came. */
  firstLogged(): Map<string, number> {
    const first = new Map<string, number>();
    for (const line of this.lines) if (!first.has(line.msg)) first.set(line.msg, line.time - this.spawnedAt);
    return first;
  }

  /** SIGTERM, as a supervisor stops it; resolves with the milliseconds it took to exit. @throws Error unless it exits 0 within `timeoutMs` */
  async stop(timeoutMs: number): Promise<number> {
    const startedAt = performance.now();
    this.child.kill('SIGTERM');
    try {
      const { code, signal } = await withTimeout(this.exited, timeoutMs, 'the bot did not exit after SIGTERM');
      if (code !== 0) throw new Error(`the bot exited with ${code ?? signal} after SIGTERM${this.stderr()}`);
      return performance.now() - startedAt;
    } finally {
      this.kill();
    }
  }

  /** SIGKILL to the bot's process group: whatever of it is still running, descendants included. */
  kill(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // nothing left in the group
    }
    this.unregister();
  }

  private onLine(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return; // the playground's banner, not a log line
    }
    if (typeof line?.msg !== 'string') return;
    this.lines.push(line);
    if (line.level >= WARN_LEVEL) console.log(`  [bot] ${line.msg}${line.err?.message ? `: ${line.err.message}` : ''}`);
    for (const listener of this.lineListeners) listener(line);
  }

  private stderr(): string {
    return this.stderrTail ? `; its stderr ended with:\n${this.stderrTail.trim()}` : '';
  }
}
