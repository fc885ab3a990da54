import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CONFIG_ERROR_EXIT_CODE } from '../../src/config.js';
import { ROOT, TSX, cleanEnv, freePort, run, start, waitForHealthy } from './processes.js';

/**
 * The bot as a real process, the way `npm start` and the Docker image run it. The source entry
 * starts on an empty DATA_DIR (a real first start: initdb and migrations); the built entry on a
 * copy of the migrated template (a restart), which also proves dist/ finds migrations/.
 */
const built = existsSync(join(ROOT, 'dist/main.js'));
const entries = [
  { name: 'npm start (tsx src/main.ts)', command: TSX, args: ['src/main.ts'], available: true, freshDataDir: true },
  {
    name: built ? 'the built entry (node dist/main.js)' : 'the built entry (skipped: no dist/main.js, run `npm run build` first)',
    command: process.execPath,
    args: ['dist/main.js'],
    available: built,
    freshDataDir: false,
  },
];

const temporary: string[] = [];
afterAll(async () => {
  await Promise.all(temporary.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function dataDir(fresh: boolean): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'matryoshka-startup-'));
  temporary.push(directory);
  if (!fresh) await cp(inject('pgliteTemplate'), join(directory, 'pglite'), { recursive: true });
  return directory;
}

/** A local base URL for the model, so OPENAI_API_KEY is not required and nothing leaves the machine. */
const LOCAL_LLM = { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };

// Concurrent throughout: the processes mostly wait (on initdb, on retries), and one by one they
// would take most of the suite's time budget.
describe.concurrent('the bot process', () => {
  describe.each(entries)('$name', ({ command, args, available, freshDataDir }) => {
    it.runIf(available)('without DISCORD_TOKEN exits 78, naming the variable and its fix, without a stack trace', async () => {
      const { code, stdout, stderr } = await run(command, args, cleanEnv());
      expect(code).toBe(CONFIG_ERROR_EXIT_CODE);
      expect(stderr).toContain('DISCORD_TOKEN is missing');
      expect(stderr).toContain('Reset Token');
      expect(stderr).toContain('.env.example');
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stdout).toBe('');
    });

    it.runIf(available)('becomes healthy, refuses a second process on its DATA_DIR, and stops on SIGTERM', async () => {
      const [directory, port] = await Promise.all([dataDir(freshDataDir), freePort()]);
      const env = cleanEnv({ DISCORD_TOKEN: 'test-token', ...LOCAL_LLM, DATA_DIR: directory, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) });
      const bot = start(command, args, env);
      try {
        expect(await waitForHealthy(bot, port)).toEqual({
          status: 'ok',
          checks: { database: { ok: true }, migrations: { ok: true, detail: expect.stringMatching(/^(\d+)\/\1 applied$/) } },
        });
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(metrics.status).toBe(200);
        expect(await metrics.text()).toContain('process_cpu_user_seconds_total');

        const second = await run(command, args, { ...env, HTTP_PORT: '0' });
        expect(second.code).toBe(1);
        expect(second.stderr).toContain('is in use by another Matryoshka process (pid');
        expect(second.stderr).not.toMatch(/^\s+at /m);

        const stoppedAt = Date.now();
        bot.child.kill('SIGTERM');
        expect(await bot.exited).toEqual({ code: 0, signal: null });
        expect(Date.now() - stoppedAt).toBeLessThan(10_000);
        expect(bot.stdout()).toContain('"msg":"matryoshka ready"');
      } finally {
        bot.killAll();
      }
    });
  });

  describe('with PostgreSQL unreachable', () => {
    it('retries, then exits 1 with a clear error that hides the password', async () => {
      const closedPort = await freePort();
      const url = `postgres://matryoshka:s3cret-password@127.0.0.1:${closedPort}/matryoshka`;
      const startedAt = Date.now();
      const { code, stdout, stderr } = await run(
        TSX,
        ['src/main.ts'],
        cleanEnv({ DISCORD_TOKEN: 'test-token', ...LOCAL_LLM, DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_SECONDS: '2', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' }),
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
