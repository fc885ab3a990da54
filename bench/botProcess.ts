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

function send(message: FromBot): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
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
