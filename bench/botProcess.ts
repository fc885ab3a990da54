/**
 * The bot of the bench, alone in its process as in production: the real app started from the
 * environment the bench passes, reporting finished turns and answering measurement requests
 * over the IPC channel (see botProtocol.ts). Started by stack.ts, never by hand.
 */
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { FromBot, ToBot } from './botProtocol.js';
import { startProfile } from './profiling.js';
import { StatementCounter } from './statementCounter.js';

function send(message: FromBot): void {
  process.send?.(message);
}

/** BENCH_COUNT_STATEMENTS=1: the port of DATABASE_URL's server, whose statements are counted. */
function countedPort(): number | null {
  if (process.env.BENCH_COUNT_STATEMENTS !== '1' || !process.env.DATABASE_URL) return null;
  return Number(new URL(process.env.DATABASE_URL).port || 5432);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const statements = new StatementCounter();
  const port = countedPort();
  if (port !== null) statements.install(port);
  const app = await startApp(config, createLogger(config.log.level), {
    turnFinished: ({ status, modelMs, totalMs, agentId, channelId }) => send({ kind: 'turnFinished', report: { status, modelMs, totalMs, agentId, channelId } }),
  });
  let loopAtStart = performance.eventLoopUtilization();
  let profile: Promise<(file: string) => Promise<void>> | undefined;
  process.on('message', (message: ToBot) => {
    switch (message.kind) {
      case 'measureStart':
        loopAtStart = performance.eventLoopUtilization();
        return;
      case 'measureStop':
        send({ kind: 'measured', eventLoopBusy: performance.eventLoopUtilization(loopAtStart).utilization });
        return;
      case 'profileStart':
        profile = startProfile();
        return;
      case 'profileStop': {
        const stopping = profile?.then((stop) => stop(message.file)) ?? Promise.resolve();
        profile = undefined;
        void stopping.then(() => send({ kind: 'profiled', file: message.file }));
        return;
      }
      case 'countStatements':
        send({ kind: 'statements', counts: statements.snapshot() });
        return;
      case 'stop':
        void app.stop().finally(() => process.exit(0));
        return;
    }
  });
  send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
