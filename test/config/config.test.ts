import { describe, expect, it } from 'vitest';
import { type Config, ConfigError, loadConfig } from '../../src/config.js';

/** The least a valid configuration needs. */
const REQUIRED = { DISCORD_TOKEN: 'token', OPENAI_API_KEY: 'key' };

function problemsOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives every variable its default', () => {
    expect(loadConfig(REQUIRED)).toEqual({
      mode: 'discord',
      playground: { host: '127.0.0.1', port: 3000 },
      discord: { token: 'token', apiUrl: 'https://discord.com/api', devGuildId: undefined, restRequestsPerSecond: 50, retries: 5, retryBaseMs: 500, attachmentTimeoutMs: 10_000, catchUpMs: 1_800_000 },
      llm: {
        demoBrain: false,
        apiKey: 'key',
        baseUrl: 'https://api.openai.com/v1',
        defaultModel: 'gpt-4o-mini',
        visionModels: ['gpt-4o', 'gpt-4.1', 'gpt-5'],
        timeoutMs: 120_000,
        idleTimeoutMs: 60_000,
        maxCallMs: 600_000,
        retries: 3,
        retryBaseMs: 1000,
      },
      database: { url: undefined, dataDir: './data', poolSize: 10, connectTimeoutMs: 30_000, preparedStatements: true, pollMs: null },
      log: { level: 'info', prompts: false },
      http: { host: '0.0.0.0', port: 8080 },
      context: { tokenBudget: 16_000, replyTokenReserve: 1024, summaryTrigger: 0.6 },
      worker: { leaseMs: 15_000, databaseRetryMs: 120_000, concurrency: 8, streamEditIntervalMs: 1000 },
      limits: { userTurnsPerMinute: 10, guildDailyTokens: null },
      helpers: { maxDepth: 3, maxFanout: 5, maxLivePerGuild: 20, treeTokenBudget: 200_000, minBudget: 4000, resultMaxTokens: 1000, guildDailyTokens: 2_000_000, maxSeconds: 900, model: 'gpt-4o-mini' },
      schedules: { perGuild: 25, minIntervalSeconds: 300, catchUpHours: 24 },
    } satisfies Config);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig(REQUIRED);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.llm.visionModels)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('coerces numbers and booleans from their text', () => {
    const config = loadConfig({
      ...REQUIRED,
      HTTP_PORT: '9000',
      SUMMARY_TRIGGER: '0.5',
      LEASE_SECONDS: '30',
      LLM_TIMEOUT_SECONDS: '5',
      LLM_RETRIES: '0',
      DATABASE_CONNECT_TIMEOUT_SECONDS: '2',
      DATABASE_PREPARED_STATEMENTS: 'false',
      LOG_PROMPTS: 'true',
      VISION_MODELS: ' gpt-4o , llava ,, ',
    });
    expect(config.http.port).toBe(9000);
    expect(config.context.summaryTrigger).toBe(0.5);
    expect(config.worker.leaseMs).toBe(30_000);
    expect(config.llm).toMatchObject({ timeoutMs: 5000, retries: 0, visionModels: ['gpt-4o', 'llava'] });
    expect(config.database).toMatchObject({ connectTimeoutMs: 2000, preparedStatements: false });
    expect(config.log.prompts).toBe(true);
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ ...REQUIRED, HTTP_PORT: '', DATABASE_URL: '  ', LOG_LEVEL: '', DEV_GUILD_ID: '' });
    expect(config.http.port).toBe(8080);
    expect(config.database.url).toBeUndefined();
    expect(config.log.level).toBe('info');
    expect(config.discord.devGuildId).toBeUndefined();
    expect(problemsOf({ ...REQUIRED, DISCORD_TOKEN: '' }).issues).toEqual([
      { variable: 'DISCORD_TOKEN', problem: 'is missing', fix: expect.stringContaining('Reset Token') },
    ]);
  });

  it('reports every problem at once, each naming its variable and its fix', () => {
    const error = problemsOf({ HTTP_PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', SUMMARY_TRIGGER: '1', DEV_GUILD_ID: 'my-server' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(
      ['DATABASE_URL', 'DEV_GUILD_ID', 'DISCORD_TOKEN', 'HTTP_PORT', 'LOG_LEVEL', 'OPENAI_API_KEY', 'SUMMARY_TRIGGER'],
    );
    const issue = (variable: string) => error.issues.find((candidate) => candidate.variable === variable);
    expect(issue('HTTP_PORT')).toEqual({ variable: 'HTTP_PORT', problem: expect.stringMatching(/^is not valid/), fix: 'a port from 0 to 65535 (0 picks a free one)' });
    expect(issue('DATABASE_URL')?.problem).toBe('is not valid (must be a postgres:// or postgresql:// URL)');
    expect(issue('DATABASE_URL')?.fix).toContain('unset it to use the embedded PGlite database');
    for (const { variable, fix } of error.issues) {
      expect(fix.length).toBeGreaterThan(10);
      expect(error.message).toContain(`  - ${variable} `);
      expect(error.message).toContain(fix);
    }
    expect(error.problems).toHaveLength(error.issues.length);
  });

  it.each([
    ['HTTP_PORT', '70000'],
    ['HTTP_PORT', '80.5'],
    ['LLM_RETRIES', '-1'],
    ['DATABASE_POOL_SIZE', '0'],
    ['LOG_PROMPTS', 'maybe'],
    ['OPENAI_BASE_URL', 'ftp://example.com'],
    ['DISCORD_API_URL', 'not a url'],
    ['DATABASE_URL', 'postgres:'],
  ])('rejects %s=%s, naming it', (variable, value) => {
    expect(problemsOf({ ...REQUIRED, [variable]: value }).issues).toEqual([
      { variable, problem: expect.stringMatching(/^is not valid \(.+\)$/), fix: expect.any(String) },
    ]);
  });

  it('accepts both postgres:// and postgresql:// URLs', () => {
    expect(loadConfig({ ...REQUIRED, DATABASE_URL: 'postgres://u@h/db' }).database.url).toBe('postgres://u@h/db');
    expect(loadConfig({ ...REQUIRED, DATABASE_URL: 'postgresql://u@h/db' }).database.url).toBe('postgresql://u@h/db');
  });

  it('requires OPENAI_API_KEY only for api.openai.com', () => {
    const token = { DISCORD_TOKEN: 'token' };
    expect(problemsOf(token).issues.map((issue) => issue.variable)).toEqual(['OPENAI_API_KEY']);
    expect(problemsOf({ ...token, OPENAI_BASE_URL: 'https://api.openai.com/v1' }).issues.map((issue) => issue.variable)).toEqual(['OPENAI_API_KEY']);
    const local = loadConfig({ ...token, OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' });
    // The SDK refuses an empty key; local servers ignore whatever is sent.
    expect(local.llm).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'unused' });
  });
});

describe('run mode: Discord or the playground', () => {
  const atTerminal = { terminal: true };

  it('runs the playground with no token at a terminal: no token, the demo brain, schedules every minute', () => {
    const config = loadConfig({}, atTerminal);
    expect(config.mode).toBe('playground');
    expect(config.discord.token).toBeNull();
    expect(config.llm.demoBrain).toBe(true);
    expect(config.schedules.minIntervalSeconds).toBe(60);
    expect(config.playground).toEqual({ host: '127.0.0.1', port: 3000 });
  });

  it('refuses a missing token without a terminal, saying how to get one and how to try the playground', () => {
    const [problem] = problemsOf({ OPENAI_API_KEY: 'key' }).issues;
    expect(problem).toMatchObject({ variable: 'DISCORD_TOKEN', problem: 'is missing' });
    expect(problem?.fix).toContain('PLAYGROUND=1');
  });

  it('never runs the playground with PLAYGROUND=false, even at a terminal', () => {
    expect(() => loadConfig({ PLAYGROUND: 'false', OPENAI_API_KEY: 'key' }, atTerminal)).toThrow(/DISCORD_TOKEN is missing/);
  });

  it('runs the playground with PLAYGROUND=true even with a token and no terminal, leaving the token unused', () => {
    const config = loadConfig({ ...REQUIRED, PLAYGROUND: 'true' });
    expect(config.mode).toBe('playground');
    expect(config.discord.token).toBeNull();
  });

  it('uses a configured model in the playground: a key, or a local endpoint without one', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'key' }, atTerminal).llm.demoBrain).toBe(false);
    expect(loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }, atTerminal).llm).toMatchObject({ demoBrain: false, apiKey: 'unused' });
  });

  it('never uses the demo brain on Discord, and keeps a minimum interval that is set', () => {
    expect(loadConfig(REQUIRED, atTerminal)).toMatchObject({ mode: 'discord', llm: { demoBrain: false }, schedules: { minIntervalSeconds: 300 } });
    expect(loadConfig({ SCHEDULE_MIN_INTERVAL_SECONDS: '600' }, atTerminal).schedules.minIntervalSeconds).toBe(600);
  });
});
