import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONFIG_ERROR_EXIT_CODE } from '../../src/config.js';
import { type DiscordEmulator, startDiscordEmulator } from '../support/discord/emulator.js';
import { type FakeLlm, startFakeLlm } from '../support/llm/fakeLlmServer.js';
import { ROOT, TSX, cleanEnv, freePort, run, start, waitForHealthy } from './processes.js';

/**
 * The bot as a real process, the way `npm start` and the Docker image run it, each on a DATA_DIR
 * of its own holding a copy of the migrated template: a first start's initdb would cost seconds of
 * CPU (globalSetup already exercises it), and migrating still reads migrations/ — which proves the
 * built entry finds them.
 */
const builtSkipReason = builtEntrySkipReason();
const entries = [
  // Each entry also starts one second process beside the first, to see one failure each (CPU is scarce).
  { name: 'npm start (tsx src/main.ts)', command: TSX, args: ['src/main.ts'], available: true, second: 'same DATA_DIR' },
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
      it.runIf(available)('without DISCORD_TOKEN exits 78, naming the variable and its fix, without a stack trace', async () => {
        const { code, stdout, stderr } = await run(command, args, cleanEnv());
        expect(code).toBe(CONFIG_ERROR_EXIT_CODE);
        expect(stderr).toContain('DISCORD_TOKEN is missing');
        expect(stderr).toContain('Reset Token');
        expect(stderr).toContain('.env.example');
        expect(stderr).not.toMatch(/^\s+at /m);
        expect(stdout).toBe('');
      });

      it.runIf(available)(`becomes healthy, refuses a second process on the ${second}, and stops on SIGTERM`, async () => {
        const [directory, port] = await Promise.all([dataDir(), freePort()]);
        const env = cleanEnv({ ...serversEnv(), DATA_DIR: directory, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) });
        const bot = start(command, args, env);
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
            expect(stderr).toContain(`Startup failed: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
            expect(stderr).toContain('npm run doctor');
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
      });
    });
  }

  describe('with PostgreSQL unreachable', () => {
    it('retries, then exits 1 with a clear error that hides the password', async () => {
      const closedPort = await freePort();
      const url = `postgres://matryoshka:s3cret-password@127.0.0.1:${closedPort}/matryoshka`;
      const startedAt = Date.now();
      const { code, stdout, stderr } = await run(
        TSX,
        ['src/main.ts'],
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
