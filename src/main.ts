import { DataDirLockedError } from './db/dataDirLock.js';
import { loadConfigOrExit } from './environment.js';
import { createLogger } from './logger.js';

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;

// At a terminal, no token means the playground (see config.ts): a person is trying it out.
const config = loadConfigOrExit({ terminal: process.stdout.isTTY === true });
const logger = createLogger(config.log.level);
// Loaded only after the configuration is valid: discord.js, PGlite and the rest take a second or
// more to import, and a configuration error should be reported at once.
const [{ startApp }, { DatabaseOpenError }, { HttpListenError }, { SavedWorldError }] = await Promise.all([
  import('./app.js'),
  import('./db/openDatabase.js'),
  import('./http/server.js'),
  import('./discordEmulator/persistence.js'),
]);

process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

try {
  let app: { stop(): Promise<void> };
  if (config.mode === 'playground') {
    // Imported only here: a bot on Discord never loads the emulator.
    const { startPlayground, playgroundBanner } = await import('./playground/playground.js');
    const playground = await startPlayground(config, logger);
    process.stdout.write(`${playgroundBanner(playground, config.llm.demoBrain)}\n`);
    app = playground;
  } else {
    app = await startApp(config, logger);
  }
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown took too long, exiting anyway');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: Ctrl-C under `npm start` reaches the bot twice (from the terminal, and
  // forwarded by npm), and a second signal with no listener left would kill it mid-shutdown.
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
} catch (error) {
  // The JSON log carries the stack; stderr gets one line a person can act on.
  if (error instanceof DatabaseOpenError || error instanceof DataDirLockedError || error instanceof HttpListenError || error instanceof SavedWorldError) {
    logger.fatal({ err: error }, 'cannot start');
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.fatal({ err: error }, 'startup failed');
    process.stderr.write(`Startup failed: ${(error as Error).message}\nRun \`npm run doctor\` to check the configuration, database, model endpoint and Discord token.\n`);
  }
  process.exit(1);
}
