import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployCommands } from '../../src/commands/deployCommands.js';
import { type DiscordEmulator, startDiscordEmulator } from '../../src/discordEmulator/emulator.js';
import { silentLogger } from '../../src/logger.js';
import { PageEvents } from '../../src/playground/pageEvents.js';
import { type PageServer, startPageServer } from '../../src/playground/pageServer.js';
import { type HelperStatuses, type PageSession, tipsFor } from '../../src/playground/pageView.js';
import type { HelperStatus } from '../../src/db/repositories/index.js';

/** The page's server side against a real emulator; the helpers' database is a small fake of the port. */
let discord: DiscordEmulator;
let page: PageServer;
/** Every thread's helper is in this state (the one test that needs a helper sets it). */
let helperStatus: HelperStatus | null = null;
const helpers: HelperStatuses = { statusesOf: async (_guildId, threadIds) => new Map(helperStatus ? threadIds.map((id) => [id, helperStatus!]) : []) };

beforeAll(async () => {
  discord = await startDiscordEmulator();
  await deployCommands({ apiUrl: discord.apiUrl, token: discord.token, devGuildId: discord.seed.guildId });
  const { guildId } = discord.seed;
  const events = new PageEvents(discord, guildId, helpers, silentLogger());
  const context = { emulator: discord, guildId, helpers, model: { demo: true, name: 'demo brain' }, tips: tipsFor(true) };
  page = await startPageServer({ host: '127.0.0.1', port: 0 }, context, events, silentLogger());
});
afterAll(async () => {
  await page?.close();
  await discord?.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> & unknown[] }> {
  const response = await fetch(`${page.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & unknown[] };
}

/** The page's event stream, read as the browser's EventSource would. */
async function openEvents() {
  const controller = new AbortController();
  const response = await fetch(`${page.url}/api/events`, { signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const received: Array<Record<string, unknown>> = [];
  let buffered = '';
  const next = async (matches: (event: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = received.find(matches);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(received.map((event) => event.type))}`);
      const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(resolve, remaining, null))]);
      if (chunk === null || chunk.done) continue;
      buffered += chunk.value;
      const frames = buffered.split('\n\n');
      buffered = frames.pop() ?? '';
      for (const frame of frames) for (const line of frame.split('\n')) if (line.startsWith('data: ')) received.push(JSON.parse(line.slice(6)));
    }
  };
  return { next, close: () => controller.abort() };
}

describe('the playground page server', () => {
  it('serves the page, its modules and the UI library', async () => {
    for (const path of ['/vendor/preact.mjs', '/vendor/preact-hooks.mjs', '/vendor/htm.mjs']) {
      const response = await fetch(`${page.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toContain('javascript');
    }
    expect((await fetch(`${page.url}/static/..%2Fpage.ts`)).status).toBe(404);
    expect((await fetch(`${page.url}/vendor/fs.mjs`)).status).toBe(404);
  });

  it('describes the guild, its people, channels and registered commands', async () => {
    const { status, json } = await call('GET', '/api/session');
    const session = json as unknown as PageSession;
    expect(status).toBe(200);
    expect(session.bot.username).toBe('Matryoshka');
    expect(session.users.map((user) => [user.username, user.owner])).toEqual([
      ['alice', true],
      ['bob', false],
    ]);
    expect(session.channels.map((channel) => channel.name)).toEqual(['general']);
    expect(session.commands.map((command) => command.name)).toEqual(expect.arrayContaining(['persona', 'spawn', 'schedule']));
    expect(session.model).toEqual({ demo: true, name: 'demo brain' });
    expect(session.tips.length).toBeGreaterThan(0);
  });

  it('posts as the chosen person and streams the message to open pages', async () => {
    const events = await openEvents();
    const { alice, generalId } = discord.seed;
    const { status, json } = await call('POST', '/api/messages', { channelId: generalId, userId: alice.id, content: 'hello from the page' });
    expect(status).toBe(200);
    const event = await events.next((candidate) => candidate.type === 'message' && (candidate.message as { id: string }).id === json.id);
    expect(event.message).toMatchObject({ content: 'hello from the page', author: { username: 'alice' }, ephemeral_for: null });
    events.close();
  });

  it('refuses what a person could not do, saying what is wrong', async () => {
    const { alice, generalId } = discord.seed;
    const asBot = await call('POST', '/api/messages', { channelId: generalId, userId: discord.bot.id, content: 'hi' });
    expect(asBot).toEqual({ status: 400, json: { error: expect.stringContaining('not the bot') } });
    const empty = await call('POST', '/api/messages', { channelId: generalId, userId: alice.id, content: '' });
    expect(empty.json.error).toBe('"content" is required (text)');
    const other = discord.createGuild({ name: 'Elsewhere', ownerId: alice.id });
    const outside = discord.createChannel({ guildId: other.id, name: 'secret' });
    expect((await call('GET', `/api/channels/${outside.id}/messages?as=${alice.id}`)).json.error).toBe('no such channel in the playground');
    expect((await call('GET', `/api/channels/${generalId}/messages?limit=9999`)).json.error).toContain('"limit"');
    const unknownOption = await call('POST', '/api/commands', { channelId: generalId, userId: alice.id, name: 'persona', subcommand: 'show', options: { nonsense: 1 } });
    expect(unknownOption.status).toBe(400);
    expect((await fetch(`${page.url}/api/messages`, { method: 'POST', body: '{not json' })).status).toBe(400);
  });

  it("shows a person's ephemeral messages only to them", async () => {
    const { alice, bob, generalId } = discord.seed;
    const { id, token } = discord.invokeCommand({ channelId: generalId, userId: alice.id, name: 'persona', subcommand: 'show', options: {} });
    // No bot runs here: answer the command as one would, with an ephemeral reply.
    const callback = await fetch(`${discord.apiUrl}/v10/interactions/${id}/${token}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 4, data: { content: 'only alice sees this', flags: 64 } }),
    });
    expect(callback.status).toBe(204);
    const contents = async (userId: string) =>
      ((await call('GET', `/api/channels/${generalId}/messages?as=${userId}`)).json as Array<{ content: string; ephemeral_for: string | null }>).filter((message) => message.ephemeral_for !== null);
    expect(await contents(alice.id)).toEqual([expect.objectContaining({ content: 'only alice sees this', ephemeral_for: alice.id })]);
    expect(await contents(bob.id)).toEqual([]);
  });

  it('adds people and channels, telling open pages', async () => {
    const events = await openEvents();
    expect((await call('POST', '/api/users', { username: 'Not Valid!' })).json.error).toContain('username');
    const carol = await call('POST', '/api/users', { username: 'carol' });
    expect(carol.status).toBe(200);
    await events.next((event) => event.type === 'session');
    expect((await call('POST', '/api/users', { username: 'carol' })).json.error).toBe('there is already a user named carol');
    const session = (await call('GET', '/api/session')).json as unknown as PageSession;
    expect(session.users.find((user) => user.username === 'carol')).toMatchObject({ owner: false, roleNames: [] });
    const channel = await call('POST', '/api/channels', { name: 'Tea Time' });
    expect(channel.json.name).toBe('tea-time');
    await events.next((event) => event.type === 'channel' && (event.channel as { name: string }).name === 'tea-time');
    events.close();
  });

  it("tells open pages a helper's status when its header changes", async () => {
    const events = await openEvents();
    const { generalId } = discord.seed;
    const header = discord.userSays({ channelId: generalId, authorId: discord.seed.alice.id, content: 'header' });
    helperStatus = { lifecycle: 'active', runState: 'running' };
    const thread = discord.userCreatesThread({ channelId: generalId, userId: discord.seed.alice.id, name: 'helper · task', messageId: header.id });
    await events.next((event) => event.type === 'thread' && (event.thread as { id: string }).id === thread.id);
    await events.next((event) => event.type === 'helper' && event.threadId === thread.id && (event.helper as HelperStatus).runState === 'running');
    helperStatus = { lifecycle: 'done', runState: 'idle' };
    discord.userEdits({ messageId: header.id, content: 'header: done' });
    await events.next((event) => event.type === 'helper' && event.threadId === thread.id && (event.helper as HelperStatus).lifecycle === 'done');
    const session = (await call('GET', '/api/session')).json as unknown as PageSession;
    expect(session.threads.find((candidate) => candidate.id === thread.id)).toMatchObject({ parentId: generalId, helper: { lifecycle: 'done' } });
    events.close();
  });
});
