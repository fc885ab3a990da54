import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LogDigest } from './logDigest.js';
import { sleep } from './random.js';

/** How long a start may take before it counts as failed (tsx transpiles on a cold cache). */
const START_TIMEOUT_MS = 60_000;
/** How long a SIGTERM may take before the process is killed (the bot promises 10 s). */
const STOP_TIMEOUT_MS = 12_000;
/** A crashed bot is started again after this pause, as a process supervisor would. */
const RESTART_PAUSE_MS = 1000;
const HEALTH_POLL_MS = 100;

/** A process exit the suite did not cause. */
export interface Crash {
  bot: string;
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the process wrote, for the report. */
  lastLines: string[];
}

export interface BotProcessOptions {
  /** Names the log file and the crash records. */
  name: string;
  /** The checkout whose bot runs, as its `npm start` would (its node_modules included). */
  botDir: string;
  /** The bot's whole environment (PATH and HOME are added). */
  env: Record<string, string>;
  logDir: string;
  digest: LogDigest;
  onCrash: (crash: Crash) => void;
}

/**
 * One bot, the real app exactly as `npm start` runs it (`node scripts/start.mjs`, one
 * process, so SIGKILL kills the bot and nothing else), restarted after a crash as a supervisor
 * would. Its output goes to `<logDir>/<name>.log`; warnings and errors are also digested.
 */
export class BotProcess {
  private child: ChildProcess | undefined;
  /** Exits we cause (kill, stop) are not crashes. */
  private expectingExit = false;
  private stopped = false;
  private readonly log: WriteStream;
  private readonly tail: string[] = [];
  private starts = 0;
  private starting: Promise<void> | undefined;
  /** Settles when the current process has exited. */
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: BotProcessOptions) {
    this.log = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: 'a' });
  }

  get name(): string {
    return this.options.name;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the process and resolves once it is ready (healthy); rejects if it exits first. While
   * a start is under way (the caller's or the supervisor's), resolves with that one.
   */
  start(): Promise<void> {
    if (this.starting) return this.starting;
    if (this.isRunning) return Promise.resolve();
    this.starting = this.spawnAndWait().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async spawnAndWait(): Promise<void> {
    this.stopped = false;
    this.expectingExit = false;
    this.starts += 1;
    this.log.write(`--- start #${this.starts} at ${new Date().toISOString()} ---\n`);
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: this.options.botDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let readyPort: ((port: number) => void) | undefined;
    const portKnown = new Promise<number>((resolve) => (readyPort = resolve));
    let ready: (() => void) | undefined;
    const readyLogged = new Promise<void>((resolve) => (ready = resolve));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => {
        this.log.write(`${line}\n`);
        this.tail.push(line);
        if (this.tail.length > 20) this.tail.shift();
        const entry = parseLogLine(line);
        if (!entry) return;
        this.options.digest.add(this.options.name, entry, line);
        if (entry.msg === 'http server listening' && typeof entry.port === 'number') readyPort?.(entry.port);
        if (entry.msg === 'matryoshka ready') ready?.();
      });
    }
    child.once('exit', (code, signal) => {
      this.log.write(`--- exit code=${code} signal=${signal} at ${new Date().toISOString()} ---\n`);
      if (this.expectingExit) return;
      this.options.onCrash({ bot: this.options.name, at: Date.now(), code, signal, lastLines: [...this.tail] });
      if (!this.stopped) void this.restartAfterCrash();
    });
    const exitedEarly = this.exited.then(() => {
      throw new Error(`${this.options.name} exited before it was ready`);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.options.name} was not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([readyLogged, portKnown.then((port) => untilHealthy(port, readyLogged)), exitedEarly, timeout]);
    } finally {
      clearTimeout(timer);
      exitedEarly.catch(() => {});
    }
  }

  /** SIGKILL, as `kill -9` would; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.isRunning) return;
    this.expectingExit = true;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the bot drains and exits), SIGKILL after 12 s; no restart afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.isRunning) {
      this.log.end();
      return;
    }
    this.expectingExit = true;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
    this.log.end();
  }

  private async restartAfterCrash(): Promise<void> {
    await sleep(RESTART_PAUSE_MS);
    if (this.stopped || this.isRunning) return;
    // A start that fails is itself reported as a crash by the exit handler, which restarts again.
    await this.start().catch(() => {});
  }
}

/** A pino JSON line, or undefined for anything else (a stack trace on stderr). */
export interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as Partial<LogEntry>;
    return typeof entry.level === 'number' && typeof entry.msg === 'string' ? (entry as LogEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves when GET /healthz answers 200 (or the ready line came first). */
async function untilHealthy(port: number, readyLogged: Promise<void>): Promise<void> {
  let done = false;
  void readyLogged.then(() => (done = true));
  while (!done) {
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await sleep(HEALTH_POLL_MS);
  }
}
