import type { RateLimitBucketRule } from './rateLimits.js';

/** Deadlines and throttles. Every one can be shrunk so tests and CI stay fast. */
export interface EmulatorTimings {
  /** Time the bot has to send the first interaction callback before it gets 10062 (Discord: 3 s). */
  interactionDeadlineMs: number;
  /** How long an interaction token works for `@original` and followups (Discord: 15 min). */
  interactionTokenLifetimeMs: number;
  /** `heartbeat_interval` sent in HELLO (Discord: ~41 s). */
  heartbeatIntervalMs: number;
  /** Minimum time between two IDENTIFYs with the same token; a faster one gets INVALID_SESSION. 0 = off. */
  identifyIntervalMs: number;
  /** How long a nonce sent with `enforce_nonce` is remembered ("a few minutes" on Discord). */
  nonceWindowMs: number;
  /** How long a disconnected gateway session can still be resumed. */
  sessionResumeWindowMs: number;
  /** Dispatches kept per session for RESUME; an older sequence gets INVALID_SESSION. */
  sessionReplayLimit: number;
  /** Default timeout of the `waitFor…` helpers. */
  defaultWaitTimeoutMs: number;
}

/** Rate limiting of REST routes (interaction callbacks are exempt, as on Discord). */
export interface EmulatorRateLimitOptions {
  /**
   * Bucket applied to every route without a rule. `null` sends no rate-limit headers at all, which
   * makes discord.js never throttle itself (use it for throughput benchmarks).
   */
  defaultBucket: { limit: number; windowMs: number } | null;
  /** Strict buckets for particular routes, e.g. `{ route: 'POST /channels/:channelId/messages', limit: 1, windowMs: 300 }`. */
  buckets: RateLimitBucketRule[];
}

/** Which privileged intents the application is allowed to request (others close the gateway with 4014). */
export interface PrivilegedIntentSettings {
  /** `'limited'`: granted as for an unverified bot in under 100 servers (GATEWAY_MESSAGE_CONTENT_LIMITED). */
  messageContent: boolean | 'limited';
  guildMembers: boolean;
  guildPresences: boolean;
}

/** Options of {@link startDiscordEmulator}; every field is optional. */
export interface DiscordEmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Create the default guild (#general, alice, bob, the bot). Default true. */
  seed?: boolean;
  /** Bot token; default a random token of Discord's shape. */
  token?: string;
  /** Name of the bot user and application. Default "Matryoshka". */
  botName?: string;
  timings?: Partial<EmulatorTimings>;
  rateLimits?: Partial<EmulatorRateLimitOptions>;
  privilegedIntents?: Partial<PrivilegedIntentSettings>;
  /** `session_start_limit.max_concurrency` returned by GET /gateway/bot. Default 1. */
  maxConcurrency?: number;
  /** `shards` recommended by GET /gateway/bot. Default 1. */
  recommendedShards?: number;
  /** How many events and REST requests are kept for inspection (older ones are dropped). Default 10,000. */
  logLimit?: number;
  /** Active (not archived) threads a guild may have; one more gets 160006. Default 1000, as on Discord. */
  maxActiveThreads?: number;
  /**
   * Keep the world in this JSON file: restored from it when it exists (ids, token and seed
   * included; `token` and `seed` are then ignored), else created at once; saved at most once per
   * `SAVE_DEBOUNCE_MS` after a change, and on close. An unreadable file throws `SavedWorldError`.
   */
  stateFile?: string;
}

/** Options with every default filled in. */
export interface ResolvedEmulatorOptions {
  port: number;
  seed: boolean;
  token: string;
  botName: string;
  timings: EmulatorTimings;
  rateLimits: EmulatorRateLimitOptions;
  privilegedIntents: PrivilegedIntentSettings;
  maxConcurrency: number;
  recommendedShards: number;
  logLimit: number;
  maxActiveThreads: number;
  stateFile: string | null;
}

/** Discord's own numbers. */
export const DEFAULT_TIMINGS: EmulatorTimings = {
  interactionDeadlineMs: 3_000,
  interactionTokenLifetimeMs: 15 * 60_000,
  heartbeatIntervalMs: 41_250,
  identifyIntervalMs: 0,
  nonceWindowMs: 5 * 60_000,
  sessionResumeWindowMs: 5 * 60_000,
  sessionReplayLimit: 10_000,
  defaultWaitTimeoutMs: 5_000,
};

/** Fills in defaults. An empty `token` means "generate one" (it embeds the bot id, unknown here). */
export function resolveOptions(options: DiscordEmulatorOptions): ResolvedEmulatorOptions {
  return {
    port: options.port ?? 0,
    seed: options.seed ?? true,
    token: options.token ?? '',
    botName: options.botName ?? 'Matryoshka',
    timings: { ...DEFAULT_TIMINGS, ...options.timings },
    rateLimits: {
      // Generous: no client ever waits on it unless a test asks for a strict bucket.
      defaultBucket: { limit: 10_000, windowMs: 1_000 },
      buckets: [],
      ...options.rateLimits,
    },
    privilegedIntents: { messageContent: true, guildMembers: true, guildPresences: true, ...options.privilegedIntents },
    maxConcurrency: options.maxConcurrency ?? 1,
    recommendedShards: options.recommendedShards ?? 1,
    logLimit: options.logLimit ?? 10_000,
    maxActiveThreads: options.maxActiveThreads ?? 1_000,
    stateFile: options.stateFile ?? null,
  };
}
