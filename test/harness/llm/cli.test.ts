import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { sdkClient } from './sdkClient.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
// The tsx CLI itself, run by this Node binary: what `npm run fake-llm` runs, minus npm's startup.
const tsxCli = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));

/** Stops the CLI (tsx relays the signal to the server process) and waits for it to exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Starts `cli.ts`, stopped when the test finishes, and resolves with its first stdout line. */
async function startCli(environment: Record<string, string>, onTestFinished: (cleanup: () => Promise<void>) => void): Promise<string> {
  const child = spawn(process.execPath, [tsxCli, 'test/support/llm/cli.ts'], {
    cwd: repositoryRoot,
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  onTestFinished(() => stop(child));
  if (!child.stdout) throw new Error('stdout is not piped');
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`fake-llm exited with code ${String(code)} before printing its URL`);
  });
  const [firstLine] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  lines.close();
  return firstLine;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

// Concurrent: each test mostly waits for its child's TypeScript startup.
describe.concurrent('npm run fake-llm (cli.ts)', () => {
  it('prints OPENAI_BASE_URL on FAKE_LLM_PORT and answers with the demo brain', async ({ onTestFinished }) => {
    const port = await freePort();

    const line = await startCli({ FAKE_LLM_PORT: String(port) }, onTestFinished);

    expect(line).toBe(`OPENAI_BASE_URL=http://127.0.0.1:${port}/v1`);
    const baseUrl = line.slice('OPENAI_BASE_URL='.length);
    const client = sdkClient({ baseUrl });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: ping (1 messages)');
    const recorded = (await (await fetch(`http://127.0.0.1:${port}/_control/requests`)).json()) as unknown[];
    expect(recorded).toEqual([{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }] }]);
  });

  it('picks a free port when FAKE_LLM_PORT is not set', async ({ onTestFinished }) => {
    const line = await startCli({ FAKE_LLM_PORT: '' }, onTestFinished);

    expect(line).toMatch(/^OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const models = await fetch(`${line.slice('OPENAI_BASE_URL='.length)}/models`);
    expect(models.status).toBe(200);
  });
});
