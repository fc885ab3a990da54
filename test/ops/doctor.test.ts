import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CheckResult, type CheckStatus, fail } from '../../src/doctor/check.js';
import { checkEnvFile, findDuplicateKeys } from '../../src/doctor/checkEnvFile.js';
import { exitCodeFor, formatReport, secretsOf } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/runDoctor.js';
import { readEnvFile } from '../../src/environment.js';
import type { DriverName } from '../../src/db/database.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { type DiscordEmulator, startDiscordEmulator } from '../../src/discordEmulator/emulator.js';
import { DEFAULT_MODEL_IDS, type FakeLlm, startFakeLlm } from '../support/llm/fakeLlmServer.js';
import { ROOT, cleanEnv, run } from './processes.js';

/**
 * `npm run doctor` against the project's test servers: the Discord emulator (REST only: doctor
 * opens no gateway session) and the scripted OpenAI-compatible server. The checks run in-process
 * for the detail, and as the real `npm run doctor` process for the report and the exit code. The
 * database check is tested on its own, on both drivers, in doctorDatabase.test.ts.
 */
const PORTAL = 'https://discord.com/developers/applications';

/** Shared by every test: nothing here changes their state except the requests they record. */
let discord: DiscordEmulator;
/** An application whose Message Content intent is off in the developer portal. */
let discordWithoutContent: DiscordEmulator;
/** An unverified bot in under 100 servers: its Message Content intent is "limited". */
let discordLimitedContent: DiscordEmulator;
let llm: FakeLlm;
/** Providers without a model list (404), and one whose list is failing (503). */
let llmWithoutModelList: FakeLlm;
let llmFailingModelList: FakeLlm;
/** Where a server answered a moment ago, and no longer does. */
let stoppedDiscordUrl: string;
let stoppedLlmUrl: string;
/** The `npm run doctor` processes of the last describe block. */
let doctorProcesses: Record<'bothUp' | 'llmStopped' | 'discordStopped', Promise<DoctorRun>>;
const temporary: string[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  let stoppedDiscord: DiscordEmulator;
  let stoppedLlm: FakeLlm;
  [discord, discordWithoutContent, discordLimitedContent, llm, llmWithoutModelList, llmFailingModelList, stoppedDiscord, stoppedLlm] = await Promise.all([
    startDiscordEmulator(),
    startDiscordEmulator({ privilegedIntents: { messageContent: false } }),
    startDiscordEmulator({ privilegedIntents: { messageContent: 'limited' } }),
    startFakeLlm({ brain: 'demo' }),
    startFakeLlm({ modelsStatus: 404 }),
    startFakeLlm({ modelsStatus: 503 }),
    startDiscordEmulator({ seed: false }),
    startFakeLlm(),
  ]);
  stoppedDiscordUrl = stoppedDiscord.apiUrl;
  stoppedLlmUrl = stoppedLlm.baseUrl;
  await Promise.all([stoppedDiscord.close(), stoppedLlm.close()]);
  // Started now, checked by the last tests: each process spends seconds starting up, mostly
  // waiting, so they run alongside the in-process tests rather than after them.
  doctorProcesses = {
    bothUp: migratedDatabase('pglite').then((database) => doctorProcess(environment(database))),
    llmStopped: emptyDataDir().then((dataDir) => doctorProcess(environment({ DATA_DIR: dataDir }, { OPENAI_BASE_URL: stoppedLlmUrl }))),
    discordStopped: emptyDataDir().then((dataDir) => doctorProcess(environment({ DATA_DIR: dataDir }, { DISCORD_API_URL: stoppedDiscordUrl }))),
  };
  // Their tests await them; this only keeps a failure to spawn from being reported as unhandled first.
  for (const running of Object.values(doctorProcesses)) running.catch(() => {});
});
afterAll(async () => {
  // Never leave a process behind, even when a test failed before awaiting it.
  await Promise.allSettled(Object.values(doctorProcesses ?? {}));
  await Promise.all([
    ...[discord, discordWithoutContent, discordLimitedContent, llm, llmWithoutModelList, llmFailingModelList].map((server) => server?.close()),
    ...databases.map((database) => database.destroy())]);
  await Promise.all(temporary.map((directory) => rm(directory, { recursive: true, force: true })));
});
afterEach(() => {
  llm.reset();
  llmWithoutModelList.reset();
});

/** A DATA_DIR with no database yet: doctor reports it without opening (or creating) anything. */
async function emptyDataDir(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'matryoshka-doctor-'));
  temporary.push(directory);
  return join(directory, 'data');
}

/**
 * A migrated database of its own, for doctor (in-process or not) to open. PGlite is a copy of the
 * migrated template, as a bot's DATA_DIR would hold: opening it here first would only cost time.
 */
async function migratedDatabase(driver: DriverName): Promise<Record<string, string>> {
  if (driver === 'pglite') {
    const directory = await mkdtemp(join(tmpdir(), 'matryoshka-doctor-'));
    temporary.push(directory);
    await cp(inject('pgliteTemplate'), join(directory, 'pglite'), { recursive: true });
    return { DATA_DIR: directory };
  }
  const database = await createTestDatabase(driver);
  databases.push(database);
  return { DATABASE_URL: database.url! };
}

/** Both servers up, as `harness.env()` points a bot at them; `database` says where the database is. */
function environment(database: Record<string, string>, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_API_KEY: 'test-api-key-0123456789',
    DEFAULT_MODEL: 'gpt-4o-mini',
    ...database,
    ...overrides,
  };
}

const byName = (results: CheckResult[], name: string) => results.filter((result) => result.name === name);
const one = (results: CheckResult[], name: string) => {
  const [result, ...more] = byName(results, name);
  expect(more).toEqual([]);
  expect(result, `no "${name}" line in ${JSON.stringify(results)}`).toBeDefined();
  return result!;
};
const statuses = (results: CheckResult[]) => results.map(({ name, status }) => [name, status]);

const ALL_OK = [
  ['config', 'ok'],
  ['database', 'ok'],
  ['migrations', 'ok'],
  ['llm endpoint', 'ok'],
  ['default model', 'ok'],
  ['discord token', 'ok'],
  ['message content intent', 'ok'],
];


/**
 * Doctor's checks in-process. The servers answer on this worker's event loop, which PGlite's start-up
 * and the doctor processes below also keep busy on two cores: a generous bound keeps a slow moment
 * from reading as an unreachable server. (No test here waits for a timeout.)
 */
const runChecks = (env: Record<string, string>) => runDoctor(env, { timeoutMs: 15_000 });

describe('doctor', () => {
  it.each(testDrivers())('reports every check ✓ against the emulator and the model server, with %s', async (driver) => {
    const results = await runChecks(environment(await migratedDatabase(driver)));
    expect(statuses(results)).toEqual(ALL_OK);
    expect(one(results, 'llm endpoint').detail).toBe(`${llm.baseUrl} answers (${DEFAULT_MODEL_IDS.length} model(s) listed)`);
    expect(one(results, 'default model').detail).toBe('gpt-4o-mini is served');
    expect(one(results, 'discord token').detail).toBe(`bot ${discord.bot.username} (id ${discord.bot.id}), application ${discord.bot.id}`);
    expect(one(results, 'message content intent').detail).toBe('enabled');
    // Listing models costs nothing, and a REST look-up leaves a running bot's gateway session alone.
    expect(llm.requests).toEqual([]);
    expect(discord.gatewaySessions()).toEqual([]);
    expect(exitCodeFor(results)).toBe(0);
    const report = formatReport(results);
    expect(report).not.toContain('fix:');
    expect(report).toMatch(/^✓ config {2,}valid$/m);
    expect(report.trimEnd().split('\n').at(-1)).toBe('All checks passed.');
  });

  it('names the fix for a rejected Discord token', async () => {
    const results = await runChecks(environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_TOKEN: 'revoked-token-0123456789' }));
    expect(one(results, 'discord token')).toMatchObject({ status: 'fail', detail: 'Discord rejected the token (401)' });
    expect(byName(results, 'message content intent')).toEqual([]);
    expect(exitCodeFor(results)).toBe(1);
    expect(formatReport(results)).toMatch(/^✗ discord token .*\n {4}fix: reset it in the developer portal .*Reset Token.* DISCORD_TOKEN$/m);
  });

  it('names the portal switch when the Message Content intent is off', async () => {
    const env = environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_TOKEN: discordWithoutContent.token, DISCORD_API_URL: discordWithoutContent.apiUrl });
    const results = await runChecks(env);
    const applicationId = discordWithoutContent.bot.id;
    expect(one(results, 'discord token')).toMatchObject({ status: 'ok', detail: expect.stringContaining(`application ${applicationId}`) });
    const intent = one(results, 'message content intent');
    expect(intent).toMatchObject({ status: 'fail', detail: `not enabled for application ${applicationId}: the gateway would refuse the bot` });
    expect(intent.fix).toBe(`open ${PORTAL}/${applicationId}/bot and turn on Message Content Intent under Privileged Gateway Intents`);
    expect(exitCodeFor(results)).toBe(1);
  });

  it('accepts the limited Message Content flag of an unverified bot', async () => {
    const env = environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_TOKEN: discordLimitedContent.token, DISCORD_API_URL: discordLimitedContent.apiUrl });
    const limited = one(await runChecks(env), 'message content intent');
    expect(limited).toMatchObject({ status: 'ok', detail: expect.stringContaining('limited') });
  });

  it('says Discord cannot be reached, and how to fix it, when the emulator is stopped', async () => {
    const results = await runChecks(environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_API_URL: stoppedDiscordUrl }));
    expect(one(results, 'discord token')).toEqual({
      name: 'discord token',
      status: 'fail',
      detail: expect.stringMatching(new RegExp(`^cannot reach ${literal(stoppedDiscordUrl)}: .*ECONNREFUSED`)),
      fix: 'check the network, or DISCORD_API_URL if you set it (unset means Discord itself)',
    });
    expect(byName(results, 'message content intent')).toEqual([]);
    expect(one(results, 'llm endpoint')).toMatchObject({ status: 'ok' });
    expect(exitCodeFor(results)).toBe(1);
  });

  it('says the model server cannot be reached, and how to fix it, when it is stopped', async () => {
    const results = await runChecks(environment({ DATA_DIR: await emptyDataDir() }, { OPENAI_BASE_URL: stoppedLlmUrl }));
    expect(one(results, 'llm endpoint')).toEqual({
      name: 'llm endpoint',
      status: 'fail',
      detail: expect.stringMatching(new RegExp(`^cannot reach ${literal(stoppedLlmUrl)}: .*ECONNREFUSED`)),
      fix: 'start the server, or fix OPENAI_BASE_URL',
    });
    expect(byName(results, 'default model')).toEqual([]);
    expect(one(results, 'discord token')).toMatchObject({ status: 'ok' });
    expect(exitCodeFor(results)).toBe(1);
  });

  it('names the status when the model server answers with an error', async () => {
    const results = await runChecks(environment({ DATA_DIR: await emptyDataDir() }, { OPENAI_BASE_URL: llmFailingModelList.baseUrl }));
    expect(one(results, 'llm endpoint')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`${llmFailingModelList.baseUrl} answered 503`),
      fix: 'check OPENAI_BASE_URL, OPENAI_API_KEY and the provider status',
    });
  });

  it('falls back to a one-token completion when the endpoint has no model list', async () => {
    const results = await runChecks(environment({ DATA_DIR: await emptyDataDir() }, { OPENAI_BASE_URL: llmWithoutModelList.baseUrl }));
    expect(one(results, 'llm endpoint')).toMatchObject({ status: 'ok', detail: expect.stringContaining('one-token completion') });
    expect(one(results, 'default model')).toMatchObject({ status: 'ok', detail: 'gpt-4o-mini answers' });
    expect(llmWithoutModelList.requests.map((request) => request.body)).toEqual([expect.objectContaining({ model: 'gpt-4o-mini', max_tokens: 1 })]);
  });

  it('only warns when DEFAULT_MODEL is not listed', async () => {
    const results = await runChecks(environment({ DATA_DIR: await emptyDataDir() }, { DEFAULT_MODEL: 'llama3' }));
    expect(one(results, 'default model')).toMatchObject({
      status: 'warn',
      fix: `set DEFAULT_MODEL to a model it serves, e.g. ${DEFAULT_MODEL_IDS.slice(0, 3).join(', ')}`,
    });
    expect(exitCodeFor(results)).toBe(0);
  });

  it('reports each configuration problem with its fix, and still checks what it can', async () => {
    const results = await runChecks(environment({ DATA_DIR: await emptyDataDir() }, { DISCORD_TOKEN: '', HTTP_PORT: 'abc' }));
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

/**
 * The accident of issue 8: `cp .env.example .env`, then the lines `npm run emulator` and
 * `npm run fake-llm` print pasted at the top. The template's empty `DISCORD_TOKEN=` further down
 * is the one dotenv keeps.
 */
function pastedOverTemplate(token: string, llmUrl: string): string {
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return `DISCORD_API_URL=http://127.0.0.1:1/api\nDISCORD_TOKEN=${token}\nOPENAI_BASE_URL=${llmUrl}\n${example}`;
}
const EXAMPLE_TOKEN_LINE = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n').indexOf('DISCORD_TOKEN=') + 1 + 3;

describe('doctor on a .env that sets a key twice', () => {
  const token = 'MTU3.emulator-token-0123456789';

  it('finds every key set more than once, with its lines and values, where dotenv finds them', () => {
    const text = ['A=1', '', 'export B=two', 'A=', 'C="multi', 'A=inside a quoted value', 'end"', 'B: two # same', 'D=once'].join('\r\n');
    expect(findDuplicateKeys(text)).toEqual([
      { key: 'A', lines: [1, 4], values: ['1', ''] },
      { key: 'B', lines: [3, 8], values: ['two', 'two'] },
    ]);
  });

  it('says which key, which lines and which value wins, and the fix, for the template pasted under the emulator lines', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'matryoshka-doctor-env-'));
    temporary.push(directory);
    const path = join(directory, '.env');
    await writeFile(path, pastedOverTemplate(token, llm.baseUrl));
    expect(EXAMPLE_TOKEN_LINE).toBeGreaterThan(3);
    // As if the environment set none of them (the test's own environment may).
    const file = { ...readEnvFile(path)!, environmentNames: new Set<string>() };
    const [line, ...more] = checkEnvFile(file);
    expect(more).toEqual([]);
    expect(line).toEqual({
      name: path,
      status: 'warn',
      detail: `DISCORD_TOKEN is set twice in ${path}, on lines 2 and ${EXAMPLE_TOKEN_LINE}: the last one wins, so DISCORD_TOKEN is empty (line ${EXAMPLE_TOKEN_LINE}) and line 2 is ignored`,
      fix: `delete line ${EXAMPLE_TOKEN_LINE}: it is empty and hides the value set above it`,
    });
    expect(readEnvFile(join(directory, 'missing.env'))).toBeUndefined();
  });

  it('names the value that wins unless it is a secret, and says when the environment overrides the file', () => {
    const text = 'DEFAULT_MODEL=gpt-4o\nOPENAI_API_KEY=sk-first-0123456789\nDEFAULT_MODEL=llama3\nOPENAI_API_KEY=sk-second-0123456789\nHTTP_PORT=8080\nHTTP_PORT=8080\nHTTP_PORT=8080\n';
    const results = checkEnvFile({ path: '.env', text, environmentNames: new Set(['HTTP_PORT']) });
    expect(results.map(({ status, detail, fix }) => ({ status, detail, fix }))).toEqual([
      {
        status: 'warn',
        detail: 'DEFAULT_MODEL is set twice in .env, on lines 1 and 3: the last one wins, so DEFAULT_MODEL is "llama3" (line 3) and line 1 is ignored',
        fix: 'keep only the DEFAULT_MODEL line with the value you mean and delete the other (lines 1 and 3)',
      },
      {
        status: 'warn',
        detail: 'OPENAI_API_KEY is set twice in .env, on lines 2 and 4: the last one wins, so OPENAI_API_KEY is set (the value is not shown) (line 4) and line 2 is ignored',
        fix: 'keep only the OPENAI_API_KEY line with the value you mean and delete the other (lines 2 and 4)',
      },
      {
        status: 'warn',
        detail: "HTTP_PORT is set 3 times in .env, on lines 5, 6 and 7; the environment's HTTP_PORT overrides them all",
        fix: 'keep one HTTP_PORT line in .env, the one you mean to use when the environment does not set it',
      },
    ]);
    expect(JSON.stringify(results)).not.toContain('sk-');
  });

  it('`doctor` in a directory with such a .env puts that line first, above the missing token it explains, and exits 1', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'matryoshka-doctor-env-'));
    temporary.push(directory);
    await writeFile(join(directory, '.env'), pastedOverTemplate(token, llm.baseUrl));
    // Run where the .env is, as `npm run doctor` runs in the project root: nothing of ours in the environment.
    const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const { code, stdout, stderr } = await run(process.execPath, ['--import', loader, join(ROOT, 'src/doctor.ts')], { PATH: process.env.PATH, HOME: process.env.HOME }, directory);
    expect(stderr).toBe('');
    const { lines } = parseReport(stdout);
    expect(lines.slice(0, 2)).toEqual([
      {
        status: 'warn',
        name: '.env',
        detail: `DISCORD_TOKEN is set twice in .env, on lines 2 and ${EXAMPLE_TOKEN_LINE}: the last one wins, so DISCORD_TOKEN is empty (line ${EXAMPLE_TOKEN_LINE}) and line 2 is ignored`,
        fix: `delete line ${EXAMPLE_TOKEN_LINE}: it is empty and hides the value set above it`,
      },
      { status: 'fail', name: 'config', detail: 'DISCORD_TOKEN is missing', fix: expect.stringContaining('Reset Token') },
    ]);
    expect(stdout).not.toContain(token);
    expect(code).toBe(1);
  });
});

/** One line of the printed report, with the `fix:` line under it if any. */
interface ReportLine {
  status: CheckStatus;
  name: string;
  detail: string;
  fix?: string;
}
const STATUS_OF: Record<string, CheckStatus> = { '✓': 'ok', '!': 'warn', '✗': 'fail', '-': 'skip' };

/** Reads back what `formatReport` printed; any other line (but the blank one) fails the test. */
function parseReport(stdout: string): { lines: ReportLine[]; summary: string } {
  const lines: ReportLine[] = [];
  const text = stdout.trimEnd().split('\n');
  const summary = text.pop() ?? '';
  for (const line of text) {
    const check = /^([✓!✗-]) (\S+(?: \S+)*) {2,}(.*)$/.exec(line);
    const fix = /^ {4}fix: (.*)$/.exec(line);
    if (check) lines.push({ status: STATUS_OF[check[1]!]!, name: check[2]!, detail: check[3]! });
    else if (fix && lines.length > 0) lines.at(-1)!.fix = fix[1]!;
    else expect(line, `unexpected report line in:\n${stdout}`).toBe('');
  }
  return { lines, summary };
}

describe('npm run doctor', () => {
  it('passes against both servers, printing no secret', async () => {
    const { code, lines, summary, stdout, env } = await finished(doctorProcesses.bothUp);
    expect(lines.map(({ name, status }) => [name, status])).toEqual(ALL_OK);
    expect(lines.find((line) => line.name === 'discord token')?.detail).toBe(`bot ${discord.bot.username} (id ${discord.bot.id}), application ${discord.bot.id}`);
    expect(summary).toBe('All checks passed.');
    expect(code).toBe(0);
    for (const secret of [env.DISCORD_TOKEN!, env.OPENAI_API_KEY!]) expect(stdout).not.toContain(secret);
  });

  it('exits 1 naming the stopped model server and its fix, and checks the rest', async () => {
    const { code, lines, summary } = await finished(doctorProcesses.llmStopped);
    expect(lines.filter(({ status }) => status !== 'ok')).toEqual([
      {
        status: 'fail',
        name: 'llm endpoint',
        detail: expect.stringMatching(new RegExp(`^cannot reach ${literal(stoppedLlmUrl)}: .*ECONNREFUSED`)),
        fix: 'start the server, or fix OPENAI_BASE_URL',
      },
    ]);
    expect(lines.map(({ name }) => name)).toEqual(['config', 'database', 'llm endpoint', 'discord token', 'message content intent']);
    expect(summary).toBe('1 check(s) failed.');
    expect(code).toBe(1);
  });

  it('exits 1 naming the stopped Discord emulator and its fix, and checks the rest', async () => {
    const { code, lines, summary } = await finished(doctorProcesses.discordStopped);
    expect(lines.filter(({ status }) => status !== 'ok')).toEqual([
      {
        status: 'fail',
        name: 'discord token',
        detail: expect.stringMatching(new RegExp(`^cannot reach ${literal(stoppedDiscordUrl)}: .*ECONNREFUSED`)),
        fix: 'check the network, or DISCORD_API_URL if you set it (unset means Discord itself)',
      },
    ]);
    expect(lines.map(({ name }) => name)).toEqual(['config', 'database', 'llm endpoint', 'default model', 'discord token']);
    expect(summary).toBe('1 check(s) failed.');
    expect(code).toBe(1);
  });
});

/** What an `npm run doctor` process printed, and the environment it ran with. */
interface DoctorRun {
  env: Record<string, string>;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run doctor` as a person runs it, with only `env` configured (no developer's .env). */
async function doctorProcess(env: Record<string, string>): Promise<DoctorRun> {
  return { env, ...(await run('npm', ['run', '--silent', 'doctor'], cleanEnv(env))) };
}

/** Waits for a doctor process and reads its report; it prints nothing else. */
async function finished(running: Promise<DoctorRun>) {
  const result = await running;
  expect(result.stderr).toBe('');
  return { ...result, ...parseReport(result.stdout) };
}

/** `text` as a literal inside a RegExp. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
