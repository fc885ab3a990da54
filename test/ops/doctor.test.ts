import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/openDatabase.js';
import type { CheckResult } from '../../src/doctor/check.js';
import { exitCodeFor, formatReport, secretsOf } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/runDoctor.js';
import { silentLogger } from '../../src/logger.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { APPLICATION_ID, BOT_USER, type FakeDiscord, MESSAGE_CONTENT, startFakeDiscord } from './fakeDiscord.js';
import { cleanEnv, freePort, run } from './processes.js';

/**
 * Doctor against tiny local servers — the Discord REST routes it reads (./fakeDiscord.ts) and an
 * OpenAI-compatible model list, here — and a real database. When the shared Discord emulator and
 * fake LLM server have entry points, these tests move onto them.
 */
const TOKEN = 'good-token-0123456789';

interface FakeLlm {
  /** 404 makes doctor fall back to a chat completion. */
  modelsStatus: 200 | 404;
  models: string[];
  requests: Array<{ path: string; body: string }>;
}
const llm: FakeLlm = { modelsStatus: 200, models: [], requests: [] };

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function answerLlm(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  const path = (request.url ?? '/').split('?')[0]!;
  llm.requests.push({ path, body });
  if (path === '/v1/models' && llm.modelsStatus === 200) {
    return answer(response, 200, { object: 'list', data: llm.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
  }
  if (path === '/v1/chat/completions') {
    const choice = { index: 0, message: { role: 'assistant', content: 'p' }, finish_reason: 'length' };
    return answer(response, 200, { id: 'c1', object: 'chat.completion', created: 0, model: 'gpt-4o-mini', choices: [choice] });
  }
  answer(response, 404, { error: { message: 'not found' } });
}

let llmServer: Server;
let llmUrl: string;
let discord: FakeDiscord;
const temporary: string[] = [];

beforeAll(async () => {
  llmServer = createServer((request, response) => void answerLlm(request, response));
  await new Promise<void>((resolve) => llmServer.listen(0, '127.0.0.1', resolve));
  llmUrl = `http://127.0.0.1:${(llmServer.address() as AddressInfo).port}/v1`;
  discord = await startFakeDiscord(TOKEN);
});
afterAll(async () => {
  await new Promise((resolve) => llmServer.close(resolve));
  await discord.close();
  await Promise.all(temporary.map((directory) => rm(directory, { recursive: true, force: true })));
});
beforeEach(() => {
  Object.assign(llm, { modelsStatus: 200, models: ['gpt-4o-mini', 'gpt-4o'], requests: [] });
  discord.applicationFlags = MESSAGE_CONTENT;
});

async function emptyDataDir(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'matryoshka-doctor-'));
  temporary.push(directory);
  return join(directory, 'data');
}

/** Everything pointed at the local server; `database` says where the database is. */
function environment(database: Record<string, string>, overrides: Record<string, string | undefined> = {}) {
  return {
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_URL: discord.apiUrl,
    OPENAI_BASE_URL: llmUrl,
    OPENAI_API_KEY: 'test-api-key-0123456789',
    ...database,
    ...overrides,
  };
}

const byName = (results: CheckResult[], name: string) => results.filter((result) => result.name === name);
const one = (results: CheckResult[], name: string) => {
  const [result, ...more] = byName(results, name);
  expect(more).toEqual([]);
  return result!;
};

describe.each(testDrivers())('doctor with %s', (driver) => {
  let database: TestDatabase;
  let where: Record<string, string>;
  /** Runs SQL on the test database; PGlite must be closed again before doctor opens it. */
  let execute: (query: ReturnType<typeof sql>) => Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    if (driver === 'postgres') {
      where = { DATABASE_URL: database.url! };
      execute = async (query) => void (await database.rows(query));
    } else {
      await database.close();
      where = { DATA_DIR: dirname(database.directory!) };
      execute = async (query) => {
        const handle = await openPglite(database.directory!, silentLogger());
        await handle.rows(query).finally(() => handle.close());
      };
    }
  });
  afterAll(() => database.destroy());

  it('reports every check ✓ when everything is right', async () => {
    const results = await runDoctor(environment(where));
    expect(results.map(({ name, status }) => [name, status])).toEqual([
      ['config', 'ok'],
      ['database', 'ok'],
      ['migrations', 'ok'],
      ['llm endpoint', 'ok'],
      ['default model', 'ok'],
      ['discord token', 'ok'],
      ['message content intent', 'ok'],
    ]);
    expect(one(results, 'discord token').detail).toBe(`bot ${BOT_USER.username} (id ${BOT_USER.id}), application ${APPLICATION_ID}`);
    expect(one(results, 'migrations').detail).toMatch(/^(\d+)\/\1 applied$/);
    expect(exitCodeFor(results)).toBe(0);
    const report = formatReport(results);
    expect(report).not.toContain('fix:');
    expect(report).toMatch(/^✓ config {2,}valid$/m);
    expect(report.trimEnd().split('\n').at(-1)).toBe('All checks passed.');
  });

  it('warns about pending migrations and fails on migrations newer than the code', async () => {
    await execute(sql`delete from drizzle.__drizzle_migrations`);
    const pending = one(await runDoctor(environment(where)), 'migrations');
    expect(pending).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^0\/\d+ applied: \d+ pending$/) });
    await execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('a', 1), ('b', 2), ('c', 3)`);
    const newer = one(await runDoctor(environment(where)), 'migrations');
    expect(newer).toMatchObject({ status: 'fail', detail: expect.stringContaining('migrated by a newer Matryoshka') });
    expect(newer.fix).toContain('restore a backup');
  });
});

describe('doctor failures', () => {
  it('names the fix for a rejected Discord token, without printing any secret', async () => {
    const env = environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_TOKEN: 'revoked-token-0123456789' });
    const results = await runDoctor(env);
    expect(one(results, 'discord token')).toMatchObject({ status: 'fail', detail: 'Discord rejected the token (401)' });
    expect(one(results, 'discord token').fix).toContain('Reset Token');
    expect(byName(results, 'message content intent')).toEqual([]);
    expect(exitCodeFor(results)).toBe(1);
    const report = formatReport(results, secretsOf(env));
    expect(report).toMatch(/^✗ discord token .*\n {4}fix: reset it in the developer portal/m);
    expect(report).not.toContain('revoked-token-0123456789');
  });

  it('fails when the Message Content intent is off, and accepts the limited flag', async () => {
    discord.applicationFlags = 0;
    const off = one(await runDoctor(environment({ DATA_DIR: await emptyDataDir() })), 'message content intent');
    expect(off).toMatchObject({ status: 'fail' });
    expect(off.fix).toContain(`https://discord.com/developers/applications/${APPLICATION_ID}/bot`);
    expect(off.fix).toContain('Message Content Intent');
    discord.applicationFlags = (1 << 19) | (1 << 23); // GATEWAY_MESSAGE_CONTENT_LIMITED, and an unrelated flag
    const limited = one(await runDoctor(environment({ DATA_DIR: await emptyDataDir() })), 'message content intent');
    expect(limited).toMatchObject({ status: 'ok', detail: expect.stringContaining('limited') });
  });

  it('falls back to a one-token completion when the endpoint has no model list', async () => {
    llm.modelsStatus = 404;
    const results = await runDoctor(environment({ DATA_DIR: await emptyDataDir() }));
    expect(one(results, 'llm endpoint')).toMatchObject({ status: 'ok', detail: expect.stringContaining('one-token completion') });
    const completion = llm.requests.find((request) => request.path === '/v1/chat/completions');
    expect(JSON.parse(completion!.body)).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1 });
  });

  it('only warns when DEFAULT_MODEL is not listed', async () => {
    const results = await runDoctor(environment({ DATA_DIR: await emptyDataDir() }, { DEFAULT_MODEL: 'llama3' }));
    expect(one(results, 'default model')).toMatchObject({ status: 'warn', fix: 'set DEFAULT_MODEL to a model it serves, e.g. gpt-4o-mini, gpt-4o' });
    expect(exitCodeFor(results)).toBe(0);
  });

  it('fails with a fix when the LLM endpoint or PostgreSQL cannot be reached', async () => {
    const closedPort = await freePort();
    const env = environment(
      { DATABASE_URL: `postgres://matryoshka:db-password-0123@127.0.0.1:${closedPort}/matryoshka` },
      { OPENAI_BASE_URL: `http://127.0.0.1:${closedPort}/v1` },
    );
    const results = await runDoctor(env, { timeoutMs: 1000 });
    expect(one(results, 'llm endpoint')).toMatchObject({ status: 'fail', detail: expect.stringContaining('ECONNREFUSED'), fix: 'start the server, or fix OPENAI_BASE_URL' });
    expect(one(results, 'database')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`postgres://matryoshka:***@127.0.0.1:${closedPort}/matryoshka`) });
    expect(one(results, 'database').fix).toContain('DATABASE_URL');
    expect(formatReport(results, secretsOf(env))).not.toContain('db-password-0123');
  });

  it('reports each configuration problem with its fix, and still checks what it can', async () => {
    const results = await runDoctor(environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_TOKEN: '', HTTP_PORT: 'abc' }));
    expect(byName(results, 'config').map(({ status, detail }) => [status, detail])).toEqual([
      ['fail', 'DISCORD_TOKEN is missing'],
      ['fail', expect.stringMatching(/^HTTP_PORT is not valid/)],
    ]);
    expect(byName(results, 'config').every((result) => result.fix)).toBe(true);
    expect(one(results, 'discord token')).toMatchObject({ status: 'skip' });
    expect(one(results, 'database')).toMatchObject({ status: 'ok' });
    expect(one(results, 'llm endpoint')).toMatchObject({ status: 'ok' });
  });

  it('leaves a fresh DATA_DIR alone, and says clearly when the bot holds its database', async () => {
    const dataDir = await emptyDataDir();
    const fresh = one(await runDoctor(environment({ DATA_DIR: dataDir })), 'database');
    expect(fresh).toMatchObject({ status: 'ok', detail: expect.stringContaining('no PGlite database yet') });
    expect(existsSync(dataDir)).toBe(false);

    const held = await createTestDatabase('pglite');
    await held.close();
    // A lock naming a live process other than this one: what a running bot leaves.
    await writeFile(join(held.directory!, 'matryoshka.lock'), String(process.ppid));
    try {
      const locked = one(await runDoctor(environment({ DATA_DIR: dirname(held.directory!) })), 'database');
      expect(locked).toMatchObject({ status: 'warn', detail: expect.stringContaining(`in use by pid ${process.ppid}`) });
      expect(locked.fix).toContain('/healthz');
    } finally {
      await held.destroy();
    }
  });
});

describe('npm run doctor', () => {
  it('exits non-zero, printing the report, when the LLM endpoint is down', async () => {
    const env = environment({ DATA_DIR: await emptyDataDir() }, { OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1` });
    const { code, stdout } = await run('npm', ['run', '--silent', 'doctor'], cleanEnv(env));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^✗ llm endpoint .*ECONNREFUSED/m);
    expect(stdout).toMatch(/^✓ discord token /m);
    expect(stdout).toContain('1 check(s) failed.');
    expect(stdout).not.toContain(TOKEN);
  });
});
