import type { Logger } from 'pino';
import { createEngine } from './agents/engine.js';
import { BUILTIN_HELPERS } from './agents/tree/builtinHelpers.js';
import type { TurnObserver } from './agents/worker.js';
import { commands, buttons } from './commands/registry.js';
import { CommandRouter } from './commands/router.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/database.js';
import { migrationStatus, runMigrations } from './db/migrate.js';
import { type QueryObserver, isReachable, openDatabase } from './db/openDatabase.js';
import { openSignals } from './db/processSignals.js';
import { CatchUpRepository, InteractionClaimRepository, createEngineStores } from './db/repositories/index.js';
import { CdnAttachmentFetcher, TEXT_ATTACHMENT_MAX_BYTES } from './discord/attachments.js';
import { DiscordChatGateway } from './discord/chatGateway.js';
import { createDiscordClient } from './discord/client.js';
import { DiscordBot, type DiscordBotOptions } from './discord/discordBot.js';
import { Health } from './http/health.js';
import { type Metrics, createMetrics } from './http/metrics.js';
import { type HttpServer, startHttpServer } from './http/server.js';
import { DemoChatModel } from './demoBrain/demoChatModel.js';
import { MeteredChatModel } from './llm/meteredChatModel.js';
import { OpenAiChatModel } from './llm/openaiChatModel.js';
import { isDeadOwnerOnThisHost, processOwnerId } from './processIdentity.js';
import { ScheduleService } from './scheduler/scheduleService.js';
import { Scheduler } from './scheduler/scheduler.js';

/** A running Matryoshka: everything `main.ts` starts, and how to stop it in order. */
export interface App {
  readonly http: HttpServer;
  readonly database: DatabaseHandle;
  readonly health: Health;
  /** Identifies this process in leases and claims. */
  readonly owner: string;
  /**
   * Due times were written behind the bot's back (tests, an operator's SQL): schedules' fire
   * times (read again by every process) and kept messages' release times. The bot's own changes
   * need no call.
   */
  dueTimesChanged(): void;
  /** Stops taking work, finishes or releases what is in flight, closes the database. */
  stop(): Promise<void>;
}

/** Observers for benchmarks and tests; production passes none. */
export interface AppHooks {
  turnFinished?: TurnObserver['turnFinished'];
  /** A Discord message was taken (stored and queued, ignored, or a duplicate). */
  messageTaken?: DiscordBotOptions['messageTaken'];
  /** A statement was sent to the database. */
  queryRun?: QueryObserver;
}

/** How long a stopping process waits for turns in flight before leaving them to their leases. */
const DRAIN_DEADLINE_MS = 7000;
/** How often answered interactions' claims (kept a while against Discord's redeliveries) are deleted. */
const CLAIM_PRUNE_INTERVAL_MS = 10 * 60 * 1000;
/** Schedules one claiming transaction fires at most (the tick goes on with the rest). */
const SCHEDULE_CLAIM_BATCH = 100;

/**
 * Starts the bot: HTTP first (so /healthz says "starting" while the rest comes up), then the
 * database and its migrations, then the engine and Discord. Each component stops in reverse.
 */
export async function startApp(config: Config, logger: Logger, hooks: AppHooks = {}): Promise<App> {
  const startedAt = performance.now();
  const { token } = config.discord;
  if (token === null) throw new Error('startApp needs a Discord token (the playground passes its emulator\'s)');
  const owner = processOwnerId();
  const health = new Health(config.mode);
  const metrics = createMetrics();
  const http = await startHttpServer({ ...config.http, health, registry: metrics.registry }, logger.child({ module: 'http' }));
  const stops: Array<() => Promise<void>> = [() => http.close()];
  const stopAll = async () => {
    health.setPhase('stopping');
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
  };
  try {
    const database = await openDatabase({ ...config.database, observeQuery: hooks.queryRun }, logger.child({ module: 'db' }));
    stops.push(() => database.close());
    const migrateStartedAt = performance.now();
    await runMigrations(database);
    logger.info({ driver: database.driver, ms: Math.round(performance.now() - migrateStartedAt) }, 'migrations applied');
    addDatabaseChecks(health, database);
    const { signals, mode, close: closeSignals } = await openSignals(database, { owner, pollMs: config.database.pollMs }, logger.child({ module: 'signals' }));
    stops.push(closeSignals);
    logger.info({ mode, pollMs: config.database.pollMs ?? undefined }, 'process signals ready');

    const client = createDiscordClient(config.discord);
    const stores = createEngineStores(database.db, { helperResultMaxTokens: config.helpers.resultMaxTokens });
    const gateway = new DiscordChatGateway(client, config.discord, logger.child({ module: 'discord' }));
    // A firing queues a turn, which needs the worker (created below with the engine).
    const scheduler = new Scheduler(
      { store: stores.schedules, signals, logger: logger.child({ module: 'scheduler' }) },
      { owner, catchUpMs: config.schedules.catchUpHours * 3600_000, batch: SCHEDULE_CLAIM_BATCH },
      () => engine.worker.wake(),
    );
    const schedules = new ScheduleService(
      {
        store: stores.schedules,
        gateway,
        helperNames: () => BUILTIN_HELPERS.map((helper) => helper.name),
        changed: () => scheduler.changed(),
        queued: () => engine.worker.wake(),
        logger: logger.child({ module: 'schedules' }),
      },
      config.schedules,
      owner,
    );
    const engine = createEngine(
      {
        stores,
        schedules,
        signals,
        model: new MeteredChatModel(
          config.llm.demoBrain ? new DemoChatModel() : new OpenAiChatModel({ ...config.llm, logPrompts: config.log.prompts }, logger.child({ module: 'llm' })),
          metrics,
        ),
        gateway,
        attachments: new CdnAttachmentFetcher(config.discord.attachmentTimeoutMs),
        logger,
        observer: {
          turnFinished: (outcome) => {
            recordTurn(metrics, outcome);
            hooks.turnFinished?.(outcome);
          },
        },
      },
      {
        owner,
        // A text file may take a quarter of the context.
        attachments: { maxBytes: TEXT_ATTACHMENT_MAX_BYTES, maxTokensEach: Math.floor(config.context.tokenBudget / 4) },
        ...config.limits,
        defaultModel: config.llm.defaultModel, visionModels: config.llm.visionModels, ...config.context, ...config.worker,
        helpers: { ...config.helpers, helperModel: config.helpers.model },
      },
    );
    const claims = new InteractionClaimRepository(database.db);
    const router = new CommandRouter(
      commands,
      buttons,
      { channelAgents: engine.channelAgents, helpers: engine.helpers, schedules, logger: logger.child({ module: 'commands' }) },
      (interactionId) => claims.claim(interactionId, owner),
      { commandHandled: (command, outcome) => metrics.commands.inc({ command, outcome }) },
    );
    const bot = new DiscordBot(
      client,
      engine.chat,
      router,
      gateway,
      {
        token,
        messageTaken: hooks.messageTaken,
        channelDeleted: (channelId) => engine.channelAgents.channelDeleted(channelId),
        guildLeft: (guildId) => engine.channelAgents.guildLeft(guildId),
        catchUp: { store: new CatchUpRepository(database.db), windowMs: config.discord.catchUpMs },
      },
      logger.child({ module: 'discord' }),
    );
    stops.push(() => bot.stop());
    await bot.start();
    health.add({ name: 'discord', check: async () => ({ ok: bot.isConnected() }) });

    // Turns left by a crashed process are resumed now rather than when their leases run out. On
    // PGlite only one process can open the database (it is locked), so every lease found is dead.
    const isDead = database.driver === 'pglite' ? () => true : isDeadOwnerOnThisHost;
    const freed = await stores.queue.expireLeasesOf(isDead);
    if (freed > 0) logger.info({ freed }, 'taking over the turns of a process that died');
    // Likewise the outbox items it was sending (a header, a thread, an edit): sent again now.
    const released = await stores.dispatch.releaseClaimsOf(isDead);
    if (released > 0) logger.info({ released }, 'taking over the outbox items of a process that died');
    engine.worker.start();
    stops.push(() => engine.worker.stop(DRAIN_DEADLINE_MS));
    // Each first pass does what came due while no process ran (helpers' deadlines, kept messages, outbox items).
    engine.dispatcher.start();
    stops.push(() => engine.dispatcher.stop());
    engine.helpers.start();
    stops.push(() => engine.helpers.stop());
    engine.chat.start();
    stops.push(() => engine.chat.stop());
    stops.push(repeat(() => claims.prune(), CLAIM_PRUNE_INTERVAL_MS, logger, 'pruning interaction claims failed'));

    // Last, after the worker: fire times missed while no process ran are simply due, so the first tick is the catch-up.
    scheduler.start();
    stops.push(() => scheduler.stop());

    health.setPhase('ready');
    logger.info({ ms: Math.round(performance.now() - startedAt), owner }, 'matryoshka ready');
    const dueTimesChanged = () => {
      scheduler.changed();
      engine.chat.releaseDueNow();
    };
    return { http, database, health, owner, dueTimesChanged, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Runs `task` every `intervalMs` (never two at once). The returned stop waits for a run in
 * progress: the database must not close under it.
 */
function repeat(task: () => Promise<unknown>, intervalMs: number, logger: Logger, failure: string): () => Promise<void> {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= task()
      .then(() => undefined, (error: unknown) => logger.warn({ err: error }, failure))
      .finally(() => (running = null));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}

function addDatabaseChecks(health: Health, database: DatabaseHandle): void {
  health.add({ name: 'database', check: async () => ({ ok: await isReachable(database) }) });
  health.add({
    name: 'migrations',
    check: async () => {
      const status = await migrationStatus(database);
      return { ok: status.upToDate, detail: `${status.applied}/${status.committed} applied` };
    },
  });
}

function recordTurn(metrics: Metrics, outcome: { status: string; modelMs: number; totalMs: number }): void {
  metrics.turns.inc({ outcome: outcome.status });
  metrics.turnOverhead.observe(Math.max(0, outcome.totalMs - outcome.modelMs) / 1000);
}
