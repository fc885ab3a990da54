import { startFakeLlm } from './fakeLlmServer.js';

/**
 * `npm run fake-llm`: the scripted server with the demo brain, for trying the bot by hand offline.
 * The first stdout line is `OPENAI_BASE_URL=…`, ready to paste into `.env` (and for tests to read).
 */

function portFromEnvironment(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`FAKE_LLM_PORT must be a port number (0-65535), got "${value}"`);
  }
  return port;
}

const llm = await startFakeLlm({ brain: 'demo', port: portFromEnvironment(process.env.FAKE_LLM_PORT) });
console.log(`OPENAI_BASE_URL=${llm.baseUrl}`);
console.error('Demo brain ready. Commands: remember: <fact> | spawn <helper>: <task> | schedule "<cron>": <task>. Ctrl-C stops.');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void llm.close().then(() => process.exit(0));
  });
}
