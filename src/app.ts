import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/database.js';
import { migrationStatus, runMigrations } from './db/migrate.js';
import { isReachable, openDatabase } from './db/openDatabase.js';
import { Health } from './http/health.js';
import { createMetrics } from './http/metrics.js';
import { type HttpServer, startHttpServer } from './http/server.js';

/** A running Matryoshka: everything `main.ts` starts, and how to stop it in order. */
export interface App {
  readonly http: HttpServer;
  readonly database: DatabaseHandle;
  readonly health: Health;
  /** Stops taking work, finishes or releases what is in flight, closes the database. */
  stop(): Promise<void>;
}

/**
 * Starts the bot: HTTP first (so /healthz says "starting" while the rest comes up), then the
 * database and its migrations, then the engine and Discord. Each component stops in reverse.
 */
export async function startApp(config: Config, logger: Logger): Promise<App> {
  const startedAt = performance.now();
  const health = new Health();
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
    const database = await openDatabase(config.database, logger.child({ module: 'db' }));
    stops.push(() => database.close());
    const migrateStartedAt = performance.now();
    await runMigrations(database);
    logger.info({ driver: database.driver, ms: Math.round(performance.now() - migrateStartedAt) }, 'migrations applied');
    health.add({ name: 'database', check: async () => ({ ok: await isReachable(database) }) });
    health.add({
      name: 'migrations',
      check: async () => {
        const status = await migrationStatus(database);
        return { ok: status.upToDate, detail: `${status.applied}/${status.committed} applied` };
      },
    });
    health.setPhase('ready');
    logger.info({ ms: Math.round(performance.now() - startedAt) }, 'matryoshka ready');
    return { http, database, health, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
