import { z } from 'zod';

/**
 * The whole configuration: one zod schema over the environment, parsed once into a frozen,
 * typed object. Only this module reads variable names; only the entry points pass it
 * `process.env`. Every problem is reported at once, each with the way to fix it.
 */

const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// URL');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const EnvSchema = z.object({
  // Required unless the playground runs; `loadConfig` decides which.
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  DISCORD_REST_REQUESTS_PER_SECOND: positiveInt(50, 100_000),
  DISCORD_RETRIES: z.coerce.number().int().min(0).max(10).default(5),
  DISCORD_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  ATTACHMENT_TIMEOUT_SECONDS: positiveInt(10, 300),
  DEV_GUILD_ID: z.string().regex(/^\d{15,21}$/, 'must be a Discord guild id (a number)').optional(),
  CATCH_UP_MINUTES: z.coerce.number().int().min(0).max(1440).default(30),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: httpUrl.default('https://api.openai.com/v1'),
  DEFAULT_MODEL: z.string().min(1).default('gpt-4o-mini'),
  VISION_MODELS: z.string().default('gpt-4o,gpt-4.1,gpt-5'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: positiveInt(10, 100),
  DATABASE_CONNECT_TIMEOUT_SECONDS: positiveInt(30, 600),
  DATABASE_PREPARED_STATEMENTS: z.stringbool().default(true),
  DATABASE_POLL_SECONDS: z.coerce.number().int().min(5).max(3600).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_PROMPTS: z.stringbool().default(false),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  CONTEXT_TOKEN_BUDGET: z.coerce.number().int().min(1000).max(2_000_000).default(16000),
  REPLY_TOKEN_RESERVE: z.coerce.number().int().min(16).max(200_000).default(1024),
  SUMMARY_TRIGGER: z.coerce.number().gt(0).lt(1).default(0.6),
  LEASE_SECONDS: z.coerce.number().int().min(3).max(3600).default(15),
  DATABASE_RETRY_SECONDS: positiveInt(120, 3600),
  LLM_TIMEOUT_SECONDS: positiveInt(120, 3600),
  LLM_IDLE_TIMEOUT_SECONDS: positiveInt(60, 3600),
  LLM_MAX_CALL_SECONDS: positiveInt(600, 7200),
  LLM_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  LLM_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  WORKER_CONCURRENCY: positiveInt(8, 256),
  USER_TURNS_PER_MINUTE: z.coerce.number().int().min(0).max(10_000).default(10),
  GUILD_DAILY_TOKENS: z.coerce.number().int().min(1).optional(),
  STREAM_EDIT_INTERVAL_MS: z.coerce.number().int().min(200).max(60_000).default(1000),
  HELPER_MAX_DEPTH: positiveInt(3, 10),
  HELPER_MAX_FANOUT: positiveInt(5, 25),
  HELPER_MAX_LIVE_PER_GUILD: positiveInt(20, 1000),
  HELPER_TREE_TOKEN_BUDGET: positiveInt(200_000),
  HELPER_MIN_BUDGET: positiveInt(4000),
  HELPER_RESULT_MAX_TOKENS: positiveInt(1000, 100_000),
  HELPER_GUILD_DAILY_TOKENS: positiveInt(2_000_000),
  HELPER_MAX_SECONDS: positiveInt(900, 86_400),
  HELPER_MODEL: z.string().min(1).optional(),
  SCHEDULES_PER_GUILD: positiveInt(25, 1000),
  // The playground's default is 60 s (see toConfig), so people can watch a schedule fire.
  SCHEDULE_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400 * 7).optional(),
  SCHEDULE_CATCH_UP_HOURS: positiveInt(24, 24 * 30),
  PLAYGROUND: z.stringbool().optional(),
  PLAYGROUND_HOST: z.string().min(1).default('127.0.0.1'),
  PLAYGROUND_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
});

type Env = z.infer<typeof EnvSchema>;

/** The name of every variable the configuration reads (for .env.example and its test). */
export const CONFIG_VARIABLES = Object.freeze(Object.keys(EnvSchema.shape) as Array<keyof Env>);

/** How to fix each variable, shown next to its problem. */
const fixes: Record<keyof Env, string> = {
  DISCORD_TOKEN:
    'create an application at https://discord.com/developers/applications, open Bot → Reset Token, and put DISCORD_TOKEN=<token> in .env (see .env.example); or, to try Matryoshka without Discord, run `npm start` in a terminal or set PLAYGROUND=1',
  DISCORD_API_URL: 'leave it unset for Discord itself, or set the REST base of a proxy or emulator, e.g. http://127.0.0.1:3000/api',
  DISCORD_REST_REQUESTS_PER_SECOND: 'a whole number; keep Discord\'s global limit of 50 unless DISCORD_API_URL points at a proxy or emulator without it',
  DISCORD_RETRIES: 'a whole number from 0 to 10',
  DISCORD_RETRY_BASE_MS: 'a whole number of milliseconds from 1 to 60000 (backoff is this, ×2, ×4…)',
  ATTACHMENT_TIMEOUT_SECONDS: 'a whole number of seconds from 1 to 300',
  DEV_GUILD_ID: 'set it to the id of your test server (Developer Mode → right-click the server → Copy Server ID), or unset it',
  CATCH_UP_MINUTES: 'a whole number of minutes from 0 to 1440: how far back messages sent while the bot was offline are answered (0: none)',
  OPENAI_API_KEY: 'set OPENAI_API_KEY to your provider key (any text works for local servers that ignore it)',
  OPENAI_BASE_URL: 'set the base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1',
  DEFAULT_MODEL: 'set a model name your endpoint serves, e.g. gpt-4o-mini',
  VISION_MODELS: 'a comma-separated list of model names or prefixes that accept images',
  DATABASE_URL: 'unset it to use the embedded PGlite database, or set e.g. postgres://user:password@host:5432/matryoshka',
  DATABASE_POOL_SIZE: 'a whole number of connections from 1 to 100',
  DATABASE_CONNECT_TIMEOUT_SECONDS: 'a whole number of seconds from 1 to 600',
  DATABASE_PREPARED_STATEMENTS:
    'true, or false behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements)',
  DATABASE_POLL_SECONDS:
    'unset (processes signal each other with LISTEN/NOTIFY), or a whole number of seconds from 5 to 3600 behind a pooler in transaction mode, where LISTEN does not work',
  DATA_DIR: 'a directory the bot may write to (PGlite keeps its database there)',
  LOG_LEVEL: 'one of trace, debug, info, warn, error, fatal, silent',
  LOG_PROMPTS: 'true or false',
  HTTP_HOST: 'an address to listen on, e.g. 0.0.0.0 or 127.0.0.1',
  HTTP_PORT: 'a port from 0 to 65535 (0 picks a free one)',
  CONTEXT_TOKEN_BUDGET: 'a whole number of tokens from 1000 to 2000000',
  REPLY_TOKEN_RESERVE: 'a whole number of tokens from 16 to 200000',
  SUMMARY_TRIGGER: 'a fraction between 0 and 1, e.g. 0.6',
  LEASE_SECONDS: 'a whole number of seconds from 3 to 3600 (renewed every third of it)',
  DATABASE_RETRY_SECONDS: 'a whole number of seconds from 1 to 3600',
  LLM_TIMEOUT_SECONDS: 'a whole number of seconds from 1 to 3600',
  LLM_IDLE_TIMEOUT_SECONDS: 'a whole number of seconds from 1 to 3600',
  LLM_MAX_CALL_SECONDS: 'a whole number of seconds from 1 to 7200',
  LLM_RETRIES: 'a whole number from 0 to 10',
  LLM_RETRY_BASE_MS: 'a whole number of milliseconds from 1 to 60000 (backoff is this, ×4, ×16…)',
  WORKER_CONCURRENCY: 'a whole number from 1 to 256',
  USER_TURNS_PER_MINUTE: 'a whole number from 0 (no limit) to 10000',
  GUILD_DAILY_TOKENS: 'a whole number of tokens, or unset for no cap',
  STREAM_EDIT_INTERVAL_MS: 'a whole number of milliseconds from 200 to 60000',
  HELPER_MAX_DEPTH: 'a whole number from 1 to 10',
  HELPER_MAX_FANOUT: 'a whole number from 1 to 25',
  HELPER_MAX_LIVE_PER_GUILD: 'a whole number from 1 to 1000',
  HELPER_TREE_TOKEN_BUDGET: 'a whole number of tokens',
  HELPER_MIN_BUDGET: 'a whole number of tokens',
  HELPER_RESULT_MAX_TOKENS: 'a whole number of tokens from 1 to 100000',
  HELPER_GUILD_DAILY_TOKENS: 'a whole number of tokens',
  HELPER_MAX_SECONDS: 'a whole number of seconds from 1 to 86400',
  HELPER_MODEL: 'a model name your endpoint serves, or unset to use DEFAULT_MODEL',
  SCHEDULES_PER_GUILD: 'a whole number from 1 to 1000',
  SCHEDULE_MIN_INTERVAL_SECONDS: 'a whole number of seconds, at least 1',
  SCHEDULE_CATCH_UP_HOURS: 'a whole number of hours from 1 to 720',
  PLAYGROUND: 'true to run the playground (the built-in Discord emulator and its page) even with a token or without a terminal, false never to run it, or unset',
  PLAYGROUND_HOST: 'an address for the playground page, e.g. 127.0.0.1 (anything else exposes a page with no login)',
  PLAYGROUND_PORT: 'a port from 0 to 65535 (0 picks a free one)',
};

/** Where the bot talks: a real Discord, or the playground's built-in emulator. */
export type RunMode = 'discord' | 'playground';

/** The playground's minimum schedule interval when SCHEDULE_MIN_INTERVAL_SECONDS is unset: short enough to watch one fire. */
const PLAYGROUND_SCHEDULE_MIN_INTERVAL_SECONDS = 60;
const SCHEDULE_MIN_INTERVAL_SECONDS_DEFAULT = 300;

/**
 * PLAYGROUND decides when set. Unset, a missing token starts the playground only for a person at a
 * terminal: a deploy that lost its token must fail, not come up healthy on a fake Discord.
 */
function runModeOf(env: Pick<Env, 'PLAYGROUND' | 'DISCORD_TOKEN'>, terminal: boolean): RunMode {
  if (env.PLAYGROUND !== undefined) return env.PLAYGROUND ? 'playground' : 'discord';
  return env.DISCORD_TOKEN === undefined && terminal ? 'playground' : 'discord';
}

function toConfig(env: Env, mode: RunMode, demoBrain: boolean) {
  return {
    mode,
    /** Where the playground page listens (used only in the playground). */
    playground: { host: env.PLAYGROUND_HOST, port: env.PLAYGROUND_PORT },
    discord: {
      /** Null in the playground: its emulator makes the token when it starts. */
      token: mode === 'playground' ? null : (env.DISCORD_TOKEN ?? null),
      apiUrl: env.DISCORD_API_URL,
      restRequestsPerSecond: env.DISCORD_REST_REQUESTS_PER_SECOND,
      retries: env.DISCORD_RETRIES,
      retryBaseMs: env.DISCORD_RETRY_BASE_MS,
      attachmentTimeoutMs: env.ATTACHMENT_TIMEOUT_SECONDS * 1000,
      devGuildId: env.DEV_GUILD_ID,
      catchUpMs: env.CATCH_UP_MINUTES * 60_000,
    },
    llm: {
      /** No model configured in the playground: the demo brain answers. */
      demoBrain,
      // Local OpenAI-compatible servers ignore the key, but the SDK refuses an empty one.
      apiKey: env.OPENAI_API_KEY ?? 'unused',
      baseUrl: env.OPENAI_BASE_URL,
      defaultModel: env.DEFAULT_MODEL,
      visionModels: env.VISION_MODELS.split(',').map((name) => name.trim()).filter(Boolean),
      timeoutMs: env.LLM_TIMEOUT_SECONDS * 1000,
      idleTimeoutMs: env.LLM_IDLE_TIMEOUT_SECONDS * 1000,
      maxCallMs: env.LLM_MAX_CALL_SECONDS * 1000,
      retries: env.LLM_RETRIES,
      retryBaseMs: env.LLM_RETRY_BASE_MS,
    },
    database: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      poolSize: env.DATABASE_POOL_SIZE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000,
      preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
      pollMs: env.DATABASE_POLL_SECONDS === undefined ? null : env.DATABASE_POLL_SECONDS * 1000,
    },
    log: { level: env.LOG_LEVEL, prompts: env.LOG_PROMPTS },
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    context: {
      tokenBudget: env.CONTEXT_TOKEN_BUDGET,
      replyTokenReserve: env.REPLY_TOKEN_RESERVE,
      summaryTrigger: env.SUMMARY_TRIGGER,
    },
    worker: {
      leaseMs: env.LEASE_SECONDS * 1000,
      databaseRetryMs: env.DATABASE_RETRY_SECONDS * 1000,
      concurrency: env.WORKER_CONCURRENCY,
      streamEditIntervalMs: env.STREAM_EDIT_INTERVAL_MS,
    },
    limits: { userTurnsPerMinute: env.USER_TURNS_PER_MINUTE, guildDailyTokens: env.GUILD_DAILY_TOKENS ?? null },
    helpers: {
      maxDepth: env.HELPER_MAX_DEPTH,
      maxFanout: env.HELPER_MAX_FANOUT,
      maxLivePerGuild: env.HELPER_MAX_LIVE_PER_GUILD,
      treeTokenBudget: env.HELPER_TREE_TOKEN_BUDGET,
      minBudget: env.HELPER_MIN_BUDGET,
      resultMaxTokens: env.HELPER_RESULT_MAX_TOKENS,
      guildDailyTokens: env.HELPER_GUILD_DAILY_TOKENS,
      maxSeconds: env.HELPER_MAX_SECONDS,
      model: env.HELPER_MODEL ?? env.DEFAULT_MODEL,
    },
    schedules: {
      perGuild: env.SCHEDULES_PER_GUILD,
      minIntervalSeconds:
        env.SCHEDULE_MIN_INTERVAL_SECONDS ?? (mode === 'playground' ? PLAYGROUND_SCHEDULE_MIN_INTERVAL_SECONDS : SCHEDULE_MIN_INTERVAL_SECONDS_DEFAULT),
      catchUpHours: env.SCHEDULE_CATCH_UP_HOURS,
    },
  };
}

export type Config = ReturnType<typeof toConfig>;

/** One configuration problem, kept apart so tools such as `doctor` can show the fix on its own. */
export interface ConfigProblem {
  variable: string;
  /** What is wrong, e.g. "is missing". */
  problem: string;
  fix: string;
}

/** Every configuration problem at once; `message` is what a person reads. */
export class ConfigError extends Error {
  /** Each problem as one line: "<variable> <problem>: <fix>". */
  readonly problems: readonly string[];

  constructor(readonly issues: readonly ConfigProblem[]) {
    const problems = issues.map(({ variable, problem, fix }) => `${variable} ${problem}: ${fix}`);
    super(`Configuration is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Exit code for a configuration error (EX_CONFIG from sysexits.h). */
export const CONFIG_ERROR_EXIT_CODE = 78;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** What the environment cannot say: whether a person runs the bot at a terminal. */
export interface LoadOptions {
  /** stdout is a terminal: with no token (and PLAYGROUND unset) the playground starts. */
  terminal?: boolean;
}

/**
 * Parses the environment. Empty strings count as unset (a blank line in .env means "default").
 * @throws ConfigError listing every problem with its fix.
 */
export function loadConfig(source: Record<string, string | undefined>, options: LoadOptions = {}): Config {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = EnvSchema.safeParse(present);
  const problems: ConfigProblem[] = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = String(issue.path[0]) as keyof Env;
        const problem = present[name] === undefined ? 'is missing' : `is not valid (${issue.message})`;
        return { variable: name, problem, fix: fixes[name] ?? issue.message };
      });
  const mode = runModeOf({ PLAYGROUND: result.data?.PLAYGROUND, DISCORD_TOKEN: present.DISCORD_TOKEN }, options.terminal ?? false);
  if (mode === 'discord' && present.DISCORD_TOKEN === undefined) {
    // First, where the schema lists it.
    problems.unshift({ variable: 'DISCORD_TOKEN', problem: 'is missing', fix: fixes.DISCORD_TOKEN });
  }
  // A real model, whenever one is configured; the demo brain only in the playground.
  const demoBrain = mode === 'playground' && present.OPENAI_API_KEY === undefined && present.OPENAI_BASE_URL === undefined;
  const usesOpenAi = (present.OPENAI_BASE_URL ?? 'https://api.openai.com').startsWith('https://api.openai.com');
  if (usesOpenAi && !demoBrain && present.OPENAI_API_KEY === undefined) {
    problems.push({ variable: 'OPENAI_API_KEY', problem: 'is missing', fix: fixes.OPENAI_API_KEY });
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(toConfig(result.data, mode, demoBrain));
}
