import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CheckResult, fail } from '../../src/doctor/check.js';
import { exitCodeFor, formatReport, secretsOf } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/runDoctor.js';
import { createTestDatabase } from '../support/db/testDatabase.js';
import { APPLICATION_ID, BOT_USER, type FakeDiscord, MESSAGE_CONTENT, startFakeDiscord } from './fakeDiscord.js';
import { cleanEnv, freePort, run } from './processes.js';

/**
 * Doctor against tiny local servers — the Discord REST routes it reads (./fakeDiscord.ts) and an
 * OpenAI-compatible model list, here. The database check is tested on its own, on both drivers, in
 * doctorDatabase.test.ts. When the shared Discord emulator and fake LLM server have entry points,
 * these tests move onto them.
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

describe('doctor', () => {
  it('reports every check ✓ with PGlite in a temp dir and everything reachable', async () => {
    const database = await createTestDatabase('pglite');
    await database.close();
    try {
      const results = await runDoctor(environment({ DATA_DIR: dirname(database.directory!) }));
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
      expect(exitCodeFor(results)).toBe(0);
      const report = formatReport(results);
      expect(report).not.toContain('fix:');
      expect(report).toMatch(/^✓ config {2,}valid$/m);
      expect(report.trimEnd().split('\n').at(-1)).toBe('All checks passed.');
    } finally {
      await database.destroy();
    }
  });

  it('names the fix for a rejected Discord token', async () => {
    const results = await runDoctor(environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_TOKEN: 'revoked-token-0123456789' }));
    expect(one(results, 'discord token')).toMatchObject({ status: 'fail', detail: 'Discord rejected the token (401)' });
    expect(byName(results, 'message content intent')).toEqual([]);
    expect(exitCodeFor(results)).toBe(1);
    expect(formatReport(results)).toMatch(/^✗ discord token .*\n {4}fix: reset it in the developer portal .*Reset Token/m);
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

  it('fails with a fix when the LLM endpoint cannot be reached', async () => {
    const results = await runDoctor(environment({ DATA_DIR: await emptyDataDir() }, { OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1` }));
    expect(one(results, 'llm endpoint')).toMatchObject({ status: 'fail', detail: expect.stringContaining('ECONNREFUSED'), fix: 'start the server, or fix OPENAI_BASE_URL' });
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

  it('never prints a secret, even when a message carries one', () => {
    const env = { DISCORD_TOKEN: 'discord-token-0123', OPENAI_API_KEY: 'sk-0123456789', DATABASE_URL: 'postgres://u:p%40ss-word-0123@h/db' };
    expect(secretsOf(env)).toEqual(['discord-token-0123', 'sk-0123456789', 'p%40ss-word-0123', 'p@ss-word-0123']);
    expect(secretsOf({ DISCORD_TOKEN: 'x' })).toEqual([]); // too short to scrub without mangling the report
    const report = formatReport([fail('x', 'got discord-token-0123 and p@ss-word-0123', 'rotate sk-0123456789')], secretsOf(env));
    expect(report).toBe('✗ x  got *** and ***\n    fix: rotate ***\n\n1 check(s) failed.\n');
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
  });
});
