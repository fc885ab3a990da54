import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES } from '../../src/config.js';

/** The repository root: processes run here, as `npm start` would. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** How `npm start` runs the bot: one node process, running the compiled bot (compiling it first when stale). */
export const NPM_START = { command: process.execPath, args: ['scripts/start.mjs'] };

/**
 * An environment with nothing of ours in it but `variables`. Every config variable not given is
 * set to the empty string, which the config treats as unset and which wins over a developer's
 * `.env` (real environment variables override the file).
 */
export function cleanEnv(variables: Record<string, string> = {}): NodeJS.ProcessEnv {
  const blanks = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '']));
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...blanks, ...variables };
}

/** A child process with its output collected. */
export interface Running {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams, for failure messages. */
  output(): string;
  /** Resolves when it exits, with its code (null when killed by a signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the whole process group at once: for cleanup, never for a graceful stop. */
  killAll(): void;
}

const groups = new Set<number>();
// npm runs the real program in a child of its own (and tsx's loader starts esbuild), which a
// SIGKILL to the parent would orphan. Each process therefore leads its own group, and whatever is
// left is killed on exit.
process.once('exit', () => groups.forEach(killGroup));

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
  groups.delete(pid);
}

/**
 * Starts `command` in the repository root (or `cwd`), as the leader of a new process group. A
 * graceful stop signals the leader only (`child.kill('SIGTERM')`), which npm forwards to the
 * program; a terminal's Ctrl-C signals the whole group, so the program gets it twice.
 */
export function start(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Running {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid;
  if (pid !== undefined) groups.add(pid);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
    killAll: () => {
      if (pid !== undefined) killGroup(pid);
    },
  };
}

/** Runs to the end. */
export async function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT) {
  const running = start(command, args, env, cwd);
  const { code } = await running.exited;
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}

/**
 * A port nobody listens on at the moment. Chosen here rather than with HTTP_PORT=0 because the
 * test must know where to ask; another process could take it in between, which is unlikely.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `/healthz` until it answers 200; fails early, with the output, if the process exits. */
export async function waitForHealthy(running: Running, port: number, timeoutMs = 20_000): Promise<unknown> {
  let exited = false;
  void running.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the process exited before it was healthy\n${running.output()}`);
    const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (response?.status === 200) return response.json();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not healthy within ${timeoutMs} ms\n${running.output()}`);
}
