import { mkdirSync, writeFileSync } from 'node:fs';
import type postgres from 'postgres';
import type { BenchDatabase } from '../bench/database.js';
import { tapEvents } from '../bench/stack.js';
import { type DiscordEmulator, startDiscordEmulator } from '../src/discordEmulator/emulator.js';
import { type FakeLlm, startFakeLlm } from '../test/support/llm/fakeLlmServer.js';
import { type Figures, type Interruption, account, wasNotified } from './accounting.js';
import { ChaosBrain } from './brain.js';
import { BotProcess, type Crash } from './botProcess.js';
import { createChaosDatabase, openReader, readSnapshot, workLeft } from './database.js';
import { Ledger } from './ledger.js';
import { LogDigest } from './logDigest.js';
import { sleep } from './random.js';
import type { ChaosSettings } from './settings.js';

/**
 * Short timeouts and retry bases, so that a fault costs seconds, not minutes. `LEASE_SECONDS` is
 * the hardening's default (15), set explicitly so that the figures before and after compare.
 * Variables a checkout does not know are ignored by its configuration.
 */
const BOT_TIMINGS: Record<string, string> = {
  LLM_TIMEOUT_SECONDS: '2',
  LLM_IDLE_TIMEOUT_SECONDS: '2',
  LLM_RETRY_BASE_MS: '50',
  LEASE_SECONDS: '15',
  // One scripted author sends far more than a person: the per-user limit would keep most of it.
  USER_TURNS_PER_MINUTE: '0',
};
/** Stacks not closed yet: Ctrl-C closes them (their bots stopped, their databases dropped). */
const openStacks = new Set<ChaosStack>();

/** Closes every stack still open; for a signal handler. */
export async function closeOpenStacks(): Promise<void> {
  await Promise.allSettled([...openStacks].map((stack) => stack.close()));
}

/** Settling: how often to look, and how long everything must have been quiet. */
const SETTLE_POLL_MS = 500;
const SETTLE_QUIET_CHECKS = 3;
const IDLE_SETTLE_MS = 10_000;

export interface StackOptions {
  scenario: string;
  settings: ChaosSettings;
  channels: number;
  /** Words every answer carries after its tokens: longer answers stream for longer. */
  filler: string;
  /** Extra or different bot variables for this scenario. */
  botEnv?: Record<string, string>;
}

/** What a scenario reports: its figures, and lines of its own (faults injected, latencies). */
export interface ScenarioResult {
  name: string;
  figures: Figures;
  details: string[];
  /** Recovery has a goal in this scenario (kill). */
  recoveryGoalMs?: number;
  durationMs: number;
  settleMs: number;
  settled: boolean;
  digest: LogDigest;
}

/**
 * One scenario's world: the Discord emulator and the scripted model in this process, a database
 * of its own, and the bot in child processes, with everything the bot posts tapped into a ledger.
 */
export class ChaosStack {
  readonly crashes: Crash[] = [];
  readonly digest = new LogDigest();
  readonly bots: BotProcess[] = [];
  private readonly startedAt = Date.now();
  /** The bot's DATABASE_URL; the database scenario points it at its proxy. */
  botDatabaseUrl: string;

  private constructor(
    readonly options: StackOptions,
    readonly discord: DiscordEmulator,
    readonly llm: FakeLlm,
    readonly brain: ChaosBrain,
    readonly ledger: Ledger,
    readonly database: BenchDatabase,
    readonly reader: postgres.Sql,
    readonly channelIds: readonly string[],
    private readonly stopTap: () => Promise<void>,
  ) {
    this.botDatabaseUrl = database.url;
  }

  static async start(options: StackOptions): Promise<ChaosStack> {
    const logDir = `${options.settings.logDir}/${options.scenario}`;
    mkdirSync(logDir, { recursive: true });
    const brain = new ChaosBrain(options.filler);
    const database = await createChaosDatabase(options.settings.databaseUrl);
    const [discord, llm] = await Promise.all([startDiscordEmulator(), startFakeLlm({ brain: brain.script })]);
    const channelIds = Array.from({ length: options.channels }, (_, index) => discord.createChannel({ guildId: discord.seed.guildId, name: `chaos-${index}` }).id);
    const ledger = new Ledger(discord);
    const stopTap = tapEvents(discord, (event) => ledger.onEvent(event));
    const stack = new ChaosStack(options, discord, llm, brain, ledger, database, openReader(database.url), channelIds, stopTap);
    openStacks.add(stack);
    return stack;
  }

  get logDir(): string {
    return `${this.options.settings.logDir}/${this.options.scenario}`;
  }

  /** A bot process (not started) with the scenario's environment. */
  addBot(name: string): BotProcess {
    const bot = new BotProcess({
      name,
      botDir: this.options.settings.botDir,
      env: this.botEnv(),
      logDir: this.logDir,
      digest: this.digest,
      onCrash: (crash) => this.crashes.push(crash),
    });
    this.bots.push(bot);
    return bot;
  }

  botEnv(): Record<string, string> {
    return {
      DISCORD_TOKEN: this.discord.token,
      DISCORD_API_URL: this.discord.apiUrl,
      OPENAI_BASE_URL: this.llm.baseUrl,
      OPENAI_API_KEY: 'chaos',
      DEFAULT_MODEL: 'gpt-4o-mini',
      DATABASE_URL: this.botDatabaseUrl,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ...BOT_TIMINGS,
      ...this.options.botEnv,
    };
  }

  /** Sends one message per `intervalMs`, round-robin over `channelIds`, until stopped. */
  stream(intervalMs: number, channelIds: readonly string[] = this.channelIds): { stop(): void } {
    let next = 0;
    const timer = setInterval(() => this.ledger.send(channelIds[next++ % channelIds.length]!), intervalMs);
    return { stop: () => clearInterval(timer) };
  }

  /** Messages a turn is working on and has not answered: what an interruption now would interrupt. */
  inFlight(): number[] {
    const latestPerChannel = new Map<string, number[]>();
    for (const call of this.brain.calls) {
      const channelId = call.numbers.map((n) => this.ledger.byNumber.get(n)?.channelId).find(Boolean);
      if (channelId) latestPerChannel.set(channelId, call.numbers);
    }
    return [...latestPerChannel.values()].flat().filter((n) => this.ledger.byNumber.get(n)?.answeredAt === undefined);
  }

  /**
   * Waits until every message sent has a visible outcome and the bot has no work left (no turn
   * running, no agent queued) for a moment; or until the bot has had no work and done nothing
   * (no post, no edit, no model call) for `IDLE_SETTLE_MS`, when what is still open will stay so;
   * or until `timeoutMs` passed.
   */
  async settle(timeoutMs: number): Promise<{ settled: boolean; ms: number }> {
    const startedAt = Date.now();
    let quiet = 0;
    while (Date.now() - startedAt < timeoutMs) {
      const posts = [...this.ledger.posts.values()];
      const notices = posts.filter((post) => post.noticeAt !== undefined);
      const open = this.ledger.sent.some(
        (sent) => sent.answeredAt === undefined && !wasNotified(sent, posts, notices.filter((post) => post.channelId === sent.channelId), this.brain.firstSeen),
      );
      const work = await workLeft(this.reader).catch(() => undefined);
      const atRest = work !== undefined && work.runningTurns === 0 && work.busyAgents === 0;
      quiet = atRest && !open ? quiet + 1 : 0;
      if (quiet >= SETTLE_QUIET_CHECKS) return { settled: true, ms: Date.now() - startedAt };
      const lastActivity = Math.max(this.ledger.lastBotActivityAt, this.brain.calls.at(-1)?.at ?? 0, startedAt);
      if (atRest && Date.now() - lastActivity >= IDLE_SETTLE_MS) return { settled: true, ms: Date.now() - startedAt };
      await sleep(SETTLE_POLL_MS);
    }
    return { settled: false, ms: Date.now() - startedAt };
  }

  /** Settles, reads the database, stops the bots and counts. */
  async finish(input: { settleTimeoutMs: number; interruptions?: Interruption[]; details?: () => string[]; recoveryGoalMs?: number }): Promise<ScenarioResult> {
    const settle = await this.settle(input.settleTimeoutMs);
    const snapshot = await readSnapshot(this.reader);
    await Promise.all(this.bots.map((bot) => bot.stop()));
    const figures = account({
      discord: this.discord,
      channelIds: this.channelIds,
      ledger: this.ledger,
      firstSeen: this.brain.firstSeen,
      snapshot,
      crashes: this.crashes,
      interruptions: input.interruptions ?? [],
    });
    writeFileSync(
      `${this.logDir}/record.json`,
      JSON.stringify({ sent: this.ledger.sent, posts: [...this.ledger.posts.values()], modelCalls: this.brain.calls, interruptions: input.interruptions ?? [], snapshot: { ...snapshot, storedMessageIds: [...snapshot.storedMessageIds] }, crashes: this.crashes }),
    );
    const details = input.details?.() ?? [];
    const left = Object.entries(snapshot.agentStates).filter(([state]) => state !== 'idle');
    if (left.length > 0) details.push(`agents not at rest at the end: ${left.map(([state, count]) => `${count} ${state}`).join(', ')}`);
    if (this.discord.internalErrors.length > 0) details.push(`emulator internal errors: ${this.discord.internalErrors.length}`);
    return {
      name: this.options.scenario,
      figures,
      details,
      recoveryGoalMs: input.recoveryGoalMs,
      durationMs: Date.now() - this.startedAt,
      settleMs: settle.ms,
      settled: settle.settled,
      digest: this.digest,
    };
  }

  /** Stops everything and drops the database; safe after `finish` and on errors. */
  async close(): Promise<void> {
    openStacks.delete(this);
    await Promise.allSettled(this.bots.map((bot) => bot.stop()));
    await this.stopTap().catch(() => {});
    await this.reader.end({ timeout: 1 }).catch(() => {});
    await Promise.allSettled([this.discord.close(), this.llm.close()]);
    await this.database.drop();
  }

  private noticesIn(channelId: string) {
    return [...this.ledger.posts.values()].filter((post) => post.channelId === channelId && post.noticeAt !== undefined);
  }
}
