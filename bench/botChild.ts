import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromBot, ToBot } from './botProtocol.js';
import type { Profilable } from './profiling.js';
import type { StatementSnapshot } from './statementCounter.js';
import type { TurnReport } from './tracker.js';

const ENTRY = fileURLToPath(new URL('./botProcess.ts', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** The bot running in its own process (botProcess.ts), seen from the bench. */
export class BotChild implements Profilable {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts the bot with `env` (its whole environment) and resolves once it is connected. */
  static async start(env: Record<string, string>, onTurnFinished: (report: TurnReport) => void): Promise<BotChild> {
    const child = fork(ENTRY, { env: { ...env, PATH: process.env.PATH ?? '' }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: FromBot) => {
      if (message.kind === 'turnFinished') onTurnFinished(message.report);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`the bot process did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        child.on('message', (message: FromBot) => {
          if (message.kind === 'ready') resolve();
          if (message.kind === 'failed') reject(new Error(`the bot process failed to start:\n${message.error}`));
        });
        child.once('exit', (code) => reject(new Error(`the bot process exited (code ${code}) before it was ready`)));
      });
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
      child.removeAllListeners('exit');
    }
    return new BotChild(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts measuring the bot's event loop; the returned function gives its utilisation since. */
  measureEventLoop(): () => Promise<number> {
    this.send({ kind: 'measureStart' });
    return async () => {
      const reply = this.next('measured');
      this.send({ kind: 'measureStop' });
      return (await reply).eventLoopBusy;
    };
  }

  async startProfile(): Promise<(file: string) => Promise<void>> {
    this.send({ kind: 'profileStart' });
    return async (file) => {
      const written = this.next('profiled');
      this.send({ kind: 'profileStop', file });
      await written;
    };
  }

  /** The statements the bot has sent PostgreSQL so far, by text (empty unless started with BENCH_COUNT_STATEMENTS=1). */
  async statementCounts(): Promise<StatementSnapshot> {
    const reply = this.next('statements');
    this.send({ kind: 'countStatements' });
    return (await reply).counts;
  }

  /** Stops the app (in-flight turns finish or are released) and waits for the process to end. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.send({ kind: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private send(message: ToBot): void {
    this.child.send(message);
  }

  private next<Kind extends FromBot['kind']>(kind: Kind): Promise<Extract<FromBot, { kind: Kind }>> {
    return new Promise((resolve) => {
      const listener = (message: FromBot) => {
        if (message.kind !== kind) return;
        this.child.off('message', listener);
        resolve(message as Extract<FromBot, { kind: Kind }>);
      };
      this.child.on('message', listener);
    });
  }
}
