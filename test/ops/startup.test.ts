import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Registry } from 'prom-client';
import { CONFIG_ERROR_EXIT_CODE } from '../../src/config.js';
import { Health } from '../../src/http/health.js';
import { HttpListenError, startHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/logger.js';
import { type DiscordEmulator, startDiscordEmulator } from '../../src/discordEmulator/emulator.js';
import { type FakeLlm, startFakeLlm } from '../support/llm/fakeLlmServer.js';
import { NPM_START, ROOT, type Running, cleanEnv, freePort, run, start, waitForHealthy } from './processes.js';

/**
 * The bot as a real process, the way `npm start` and the Docker image run it, each on a DATA_DIR
 * of its own holding a copy of the migrated template: a first start's initdb would cost seconds of
 * CPU (globalSetup already exercises it), and migrating still reads migrations/ — which proves the
 * built entry finds them.
 */
const builtSkipReason = builtEntrySkipReason();
const entries = [
  // Each entry also starts one second process beside the first, to see one failure each (CPU is scarce).
  { name: 'npm start (node scripts/start.mjs)', ...NPM_START, available: true, second: 'same DATA_DIR' },
  {
    name: `the built entry (node dist/main.js)${builtSkipReason ? ` — skipped: ${builtSkipReason}` : ''}`,
    command: process.execPath,
    args: ['dist/main.js'],
    available: builtSkipReason === undefined,
    second: 'same HTTP_PORT',
  },
];

/** CI builds before testing; locally dist/ may be missing or stale, and testing it would mislead. */
function builtEntrySkipReason(): string | undefined {
  const entry = join(ROOT, 'dist/main.js');
  if (!existsSync(entry)) return 'there is no dist/main.js; run `npm run build` first';
  const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' });
  const newestSource = Math.max(...sources.map((file) => statSync(join(ROOT, 'src', file)).mtimeMs));
  if (newestSource > statSync(entry).mtimeMs) return 'dist/ is older than src/; run `npm run build` first';
  return undefined;
}

const temporary: string[] = [];
/** One Discord emulator for every bot process: each logs in with its own gateway session. */
let discord: DiscordEmulator;
/** The model server; no turn runs here, so `brain: 'none'` makes any call fail loudly. */
let llm: FakeLlm;
beforeAll(async () => {
  [discord, llm] = await Promise.all([startDiscordEmulator(), startFakeLlm({ brain: 'none' })]);
});
afterAll(async () => {
  await Promise.all([discord?.close(), llm?.close()]);
  await Promise.all(temporary.map((directory) => rm(directory, { recursive: true, force: true })));
});

/** The bot logs in to Discord and is configured for a model, as `harness.env()` does it. */
const serversEnv = () => ({
  DISCORD_TOKEN: discord.token,
  DISCORD_API_URL: discord.apiUrl,
  OPENAI_BASE_URL: llm.baseUrl,
  OPENAI_API_KEY: 'test-api-key',
});

async function dataDir(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'matryoshka-startup-'));
  temporary.push(directory);
  await cp(inject('pgliteTemplate'), join(directory, 'pglite'), { recursive: true });
  return directory;
}

// Concurrent throughout: the processes spend much of their time waiting (on retries, on one
// another), and one after another they would take most of the suite's time budget.
describe.concurrent('the bot process', () => {
  // A loop, not describe.each: vitest shortens interpolated titles, and the skip reason must show.
  for (const { name, command, args, available, second } of entries) {
    describe(name, () => {
      // With no terminal (a service, a container, CI), or with the playground forbidden: never a fake Discord.
      it.runIf(available)('without DISCORD_TOKEN (PLAYGROUND unset or 0, no terminal) exits 78, naming the variable and its fix, without a stack trace', async () => {
        for (const env of [cleanEnv(), cleanEnv({ PLAYGROUND: '0' })]) {
          const { code, stdout, stderr } = await run(command, args, env);
          const as = `PLAYGROUND=${env.PLAYGROUND}`;
          expect(code, as).toBe(CONFIG_ERROR_EXIT_CODE);
          expect(stderr, as).toContain('DISCORD_TOKEN is missing');
          expect(stderr, as).toContain('Reset Token');
          expect(stderr, as).toContain('.env.example');
          expect(stderr, as).not.toMatch(/^\s+at /m);
          expect(stdout, as).toBe('');
        }
      });

      it.runIf(available)(`becomes healthy, refuses a second process on the ${second}, and stops on SIGTERM`, async ({ onTestFailed }) => {
        const [directory, port] = await Promise.all([dataDir(), freePort()]);
        const env = cleanEnv({ ...serversEnv(), DATA_DIR: directory, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) });
        const bot = start(command, args, env);
        // A timeout ends the test before `finally`: show what the bot said.
        onTestFailed(() => console.error(`bot output (${name}):\n${bot.output().slice(-4000)}`));
        try {
          // "ok" only when every check passes, the gateway session with the emulator among them.
          expect(await waitForHealthy(bot, port)).toMatchObject({
            status: 'ok',
            checks: {
              database: { ok: true },
              migrations: { ok: true, detail: expect.stringMatching(/^(\d+)\/\1 applied$/) },
              discord: { ok: true },
            },
          });
          const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
          expect(metrics.status).toBe(200);
          expect(await metrics.text()).toContain('process_cpu_user_seconds_total');

          if (second === 'same DATA_DIR') {
            const { code, stderr } = await run(command, args, { ...env, HTTP_PORT: '0' });
            expect(code).toBe(1);
            expect(stderr).toContain('is in use by another Matryoshka process (pid');
            expect(stderr).not.toMatch(/^\s+at /m);
          } else {
            const { code, stderr } = await run(command, args, { ...env, DATA_DIR: await dataDir() });
            expect(code).toBe(1);
            expect(stderr).toContain(`HTTP_HOST 127.0.0.1, HTTP_PORT ${port}: port ${port} is already in use — by another Matryoshka`);
            expect(stderr).not.toContain('npm run doctor');
            expect(stderr).not.toMatch(/^\s+at /m);
          }

          const stoppedAt = Date.now();
          bot.child.kill('SIGTERM');
          expect(await bot.exited).toEqual({ code: 0, signal: null });
          expect(Date.now() - stoppedAt).toBeLessThan(10_000);
          expect(bot.stdout()).toContain('"msg":"matryoshka ready"');
          expect(llm.requests).toEqual([]);
        } finally {
          bot.killAll();
        }
        // Two bot processes start from cold here (tsx compiles the sources on the fly) while the
        // rest of the suite loads both cores: that alone has taken over 15 s.
      }, 60_000);
    });
  }

  describe('with its HTTP port taken', () => {
    it('exits 1 naming HTTP_HOST, HTTP_PORT and the fix, not doctor (which does not check the port)', async () => {
      const holder = createServer();
      holder.listen(0, '127.0.0.1');
      await once(holder, 'listening');
      const { port } = holder.address() as { port: number };
      try {
        const env = cleanEnv({ ...serversEnv(), DATA_DIR: await dataDir(), HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) });
        const { code, stdout, stderr } = await run(NPM_START.command, NPM_START.args, env);
        expect(code).toBe(1);
        expect(stderr).toBe(
          `Cannot serve /healthz and /metrics on HTTP_HOST 127.0.0.1, HTTP_PORT ${port}: port ${port} is already in use — ` +
            `by another Matryoshka (see http://127.0.0.1:${port}/healthz) or another program.\n` +
            'Stop that process, or set HTTP_PORT to a free port (HTTP_PORT=0 picks one).\n',
        );
        expect(stdout).toContain('"msg":"cannot start"');
      } finally {
        holder.close();
      }
    });

    it('names HTTP_HOST and its fix when it is not an address of this machine', async () => {
      // 192.0.2.1 is TEST-NET-1: documentation only, never assigned to a machine.
      const listening = startHttpServer({ host: '192.0.2.1', port: 0, health: new Health(), registry: new Registry() }, silentLogger());
      await expect(listening).rejects.toThrow(HttpListenError);
      await expect(listening).rejects.toThrow(
        'Cannot serve /healthz and /metrics on HTTP_HOST 192.0.2.1, HTTP_PORT 0: 192.0.2.1 is not an address of this machine.\nSet HTTP_HOST to 0.0.0.0',
      );
    });
  });

  describe('with PostgreSQL unreachable', () => {
    it('retries, then exits 1 with a clear error that hides the password', async () => {
      const closedPort = await freePort();
      const url = `postgres://matryoshka:s3cret-password@127.0.0.1:${closedPort}/matryoshka`;
      const startedAt = Date.now();
      const { code, stdout, stderr } = await run(
        NPM_START.command,
        NPM_START.args,
        cleanEnv({ ...serversEnv(), DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_SECONDS: '2', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' }),
      );
      expect(code).toBe(1);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
      expect(stderr).toContain(`Could not connect to PostgreSQL at postgres://matryoshka:***@127.0.0.1:${closedPort}/matryoshka within 2 s`);
      expect(stderr).toContain('ECONNREFUSED');
      expect(stderr).toContain('Check that the server is running and DATABASE_URL is right');
      expect(stdout.match(/database unreachable, retrying/g)?.length).toBeGreaterThanOrEqual(2);
      expect(`${stdout}${stderr}`).not.toContain('s3cret-password');
    });
  });
});

/** A live process (zombies are dead, whoever reaps them) of a process group, read from /proc. */
interface GroupMember {
  pid: number;
  ppid: number;
  command: string;
}

function groupMembers(groupId: number): GroupMember[] {
  const members: GroupMember[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== groupId || state === 'Z' || state === 'X') continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      members.push({ pid: Number(entry), ppid: Number(ppid), command });
    } catch {
      // It exited while being read.
    }
  }
  return members;
}

/** Polls until `condition` holds; fails with the process's output after `timeoutMs`. */
async function until(condition: () => boolean, running: Running, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls until the group has no live process left; fails with what is left. */
async function groupGone(groupId: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupMembers(groupId).length > 0) {
    if (Date.now() > deadline) throw new Error(`still running after ${timeoutMs} ms: ${JSON.stringify(groupMembers(groupId))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Signals through npm itself: `npm start` must be one node process under npm, which npm's signal
// forwarding reaches (an `sh -c` in between would take the signal and leave the bot orphaned).
// One after another, after the block above: a bot each, and two cores.
describe.runIf(process.platform === 'linux')('npm start', () => {
  for (const { signal, how } of [
    { signal: 'SIGTERM', how: 'SIGTERM to the npm process (a service manager, `kill`)' },
    { signal: 'SIGINT', how: 'SIGINT to its whole process group (Ctrl-C in a terminal)' },
  ] as const) {
    it(`shuts the bot down as documented on ${how}, leaving no process behind`, async () => {
      const [directory, port] = await Promise.all([dataDir(), freePort()]);
      const npm = start('npm', ['start'], cleanEnv({ ...serversEnv(), DATA_DIR: directory, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) }));
      try {
        await waitForHealthy(npm, port, 30_000);
        const npmPid = npm.child.pid!;
        // npm → the bot: node running the launcher, which runs the bot in its own process; no shell between.
        const children = groupMembers(npmPid).filter((member) => member.ppid === npmPid);
        expect(children.map((child) => child.command)).toEqual([expect.stringMatching(/(^|\/)node( --[\w-]+(=\S+)?)* scripts\/start\.mjs$/)]);

        const npmExited = once(npm.child, 'exit');
        if (signal === 'SIGTERM') npm.child.kill('SIGTERM');
        else process.kill(-npmPid, 'SIGINT');
        // The same signal again while it shuts down (Ctrl-C reaches it twice anyway, from the
        // terminal and from npm): it is not killed mid-shutdown.
        await until(() => npm.stdout().includes('"msg":"shutting down"'), npm);
        try {
          process.kill(children[0]!.pid, signal);
        } catch {
          // ESRCH: it has already finished.
        }
        expect(await npmExited).toEqual([0, null]);
        await groupGone(npmPid);
        await npm.exited;
        const stdout = npm.stdout();
        expect(stdout.match(/"msg":"shutting down"/g)).toHaveLength(1);
        expect(stdout).toContain(`"signal":"${signal}","msg":"shutting down"`);
        expect(stdout).not.toContain('shutdown took too long');
      } finally {
        npm.killAll();
      }
    }, 60_000);
  }
});
