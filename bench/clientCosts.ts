/**
 * `npm run bench:clients`: the CPU one call of each client library the bot uses costs this
 * process, with the servers (emulator, scripted model, PostgreSQL) elsewhere: what a turn cannot
 * go below however lean the engine is. 20 calls in flight, as under load. See bench/README.md.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import OpenAI from 'openai';
import postgres from 'postgres';
import type { ClientServers } from './clientServers.js';
import { readSettings } from './settings.js';

const CALLS = 1000;
const IN_FLIGHT = 20;

/** The CPU of this process over `CALLS` calls, per call. */
async function cpuPerCall(call: (index: number) => Promise<unknown>): Promise<{ cpuUs: number; wallUs: number }> {
  const run = async (count: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await call(next++);
    }));
  };
  await run(200); // warm-up: connections, JIT
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  await run(CALLS);
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / CALLS, wallUs: ((performance.now() - startedAt) * 1000) / CALLS };
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(new URL('./clientServers.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  try {
    const servers = await new Promise<ClientServers>((resolve, reject) => {
      child.once('message', (message) => resolve(message as ClientServers));
      child.once('exit', (code) => reject(new Error(`the servers exited (code ${code})`)));
    });
    const rest = new REST({ api: servers.apiUrl, globalRequestsPerSecond: 100_000 }).setToken(servers.token);
    const openai = new OpenAI({ baseURL: servers.llmBaseUrl, apiKey: 'bench', maxRetries: 0 });
    const sql = postgres(readSettings(process.env).serverUrl, { max: 10, onnotice: () => {} });
    const channel = (index: number) => servers.channelIds[index % servers.channelIds.length]!;
    const prompt = Array.from({ length: 20 }, (_, index) => ({ role: 'user' as const, content: `alice: message ${index}, how is the release going?` }));
    const costs: Array<[string, (index: number) => Promise<unknown>]> = [
      ['discord.js REST: post a message', (index) => rest.post(Routes.channelMessages(channel(index)), { body: { content: `reply ${index}`, allowed_mentions: { parse: [] } } })],
      ['discord.js REST: typing indicator', (index) => rest.post(Routes.channelTyping(channel(index)))],
      ['openai SDK: streamed completion', async () => {
        const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: prompt });
        for await (const _chunk of stream) {
          // consumed as the bot consumes it
        }
      }],
      ['postgres.js: prepared one-row select', (index) => sql`select ${index}::int as n`],
    ];
    console.log(`CPU of this process per call (${IN_FLIGHT} in flight, ${CALLS} calls; the servers run in another process)`);
    for (const [label, call] of costs) {
      const { cpuUs, wallUs } = await cpuPerCall(call);
      console.log(`  ${label.padEnd(38)} ${cpuUs.toFixed(0).padStart(5)} µs CPU  (${wallUs.toFixed(0)} µs of wall time per call)`);
    }
    await sql.end();
  } finally {
    child.kill();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
