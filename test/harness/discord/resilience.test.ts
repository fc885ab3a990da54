import { ChannelType, Events, HTTPError, RESTEvents, type Client, type TextChannel } from 'discord.js';
import { describe, expect, test, type TestContext } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator, type DiscordEmulatorOptions } from '../../../src/discordEmulator/emulator.js';
import { connectClient } from './helpers.js';

/** Starts an emulator and a client torn down when the test ends (tests run concurrently: most time is discord.js's 500 ms reconnect delay). */
async function start(context: TestContext, options: DiscordEmulatorOptions = {}): Promise<{ discord: DiscordEmulator; client: Client<true>; contents: string[] }> {
  const discord = await startDiscordEmulator(options);
  context.onTestFinished(() => discord.close());
  const client = await connectClient(discord);
  context.onTestFinished(() => client.destroy());
  const contents: string[] = [];
  client.on(Events.MessageCreate, (message) => contents.push(message.content));
  return { discord, client, contents };
}

function general(client: Client<true>, discord: DiscordEmulator): TextChannel {
  const channel = client.channels.cache.get(discord.seed.generalId);
  if (channel?.type !== ChannelType.GuildText) throw new Error('no #general');
  return channel;
}

describe.concurrent('gateway resilience', () => {
  test('a dropped connection resumes and replays every event missed meanwhile', async (context) => {
    const { discord, client, contents } = await start(context);
    const sessionId = discord.gatewaySessions()[0]?.sessionId;
    const resumed = new Promise<number>((resolve) => client.once(Events.ShardResume, (_shard, replayed) => resolve(replayed)));
    discord.faults.dropGateway();
    for (const content of ['one', 'two', 'three']) discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content });
    expect(await resumed).toBeGreaterThanOrEqual(3);
    await discord.waitFor(() => contents.length === 3);
    expect(contents).toEqual(['one', 'two', 'three']);
    expect(discord.gatewaySessions()).toMatchObject([{ sessionId, resumes: 1, connected: true }]);
    expect(discord.events.some((event) => event.type === 'gatewayResumed')).toBe(true);
  });

  test('op 7 RECONNECT makes the client resume on resume_gateway_url', async (context) => {
    const { discord, client, contents } = await start(context);
    const resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
    discord.faults.requestReconnect();
    discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.bob.id, content: 'during reconnect' });
    await resumed;
    await discord.waitFor(() => contents.includes('during reconnect'));
    expect(discord.gatewaySessions()[0]?.resumes).toBe(1);
    expect(discord.events.filter((event) => event.type === 'gatewayResumed')).toMatchObject([{ viaResumeUrl: true }]);
  });

  test('a non-resumable INVALID_SESSION makes the client identify again', async (context) => {
    const { discord, client } = await start(context);
    const first = discord.gatewaySessions()[0]?.sessionId;
    // Wait for the shard to be ready again: destroying a client mid-handshake makes discord.js reconnect.
    const readyAgain = new Promise<void>((resolve) => client.once(Events.ShardReady, () => resolve()));
    discord.faults.invalidateSessions(false);
    await readyAgain;
    const sessions = discord.gatewaySessions().map((session) => session.sessionId);
    expect(sessions).toHaveLength(1);
    expect(sessions).not.toContain(first);
  });

  test('withheld heartbeat ACKs make discord.js declare a zombie link and resume', async (context) => {
    const { discord, client } = await start(context, { timings: { heartbeatIntervalMs: 40 } });
    const resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
    discord.faults.withholdHeartbeatAcks();
    await discord.waitForEvent((event) => event.type === 'gatewayDisconnected', { timeoutMs: 2_000 });
    discord.faults.withholdHeartbeatAcks(false);
    await resumed;
  });
});

describe.concurrent('REST faults and rate limits', () => {
  test('an injected 429 is retried by discord.js after Retry-After', async (context) => {
    const { discord, client } = await start(context);
    const rateLimited = new Promise<number>((resolve) => client.rest.once(RESTEvents.RateLimited, (info) => resolve(info.timeToReset)));
    discord.faults.failNextRest(1, 429, { route: 'POST /channels/:channelId/messages', retryAfterMs: 200 });
    const started = performance.now();
    const message = await general(client, discord).send('after the limit');
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(await rateLimited).toBeGreaterThan(100);
    expect(message.content).toBe('after the limit');
    expect(discord.restRequests.filter((request) => request.route === 'POST /channels/:channelId/messages').map((request) => request.status)).toEqual([429, 200]);
  });

  test('an exhausted bucket answers 429 with retry_after; discord.js waits and retries', async (context) => {
    const { discord, client } = await start(context);
    discord.rateLimits.setBucket({ route: 'POST /channels/:channelId/messages', limit: 1, windowMs: 250 });
    const second = await connectClient(discord);
    context.onTestFinished(() => second.destroy());
    // Two clients share the bucket, as two bot processes would: the second learns of it from a 429.
    await general(client, discord).send('first');
    const started = performance.now();
    await general(second, discord).send('second');
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    const statuses = discord.restRequests.filter((request) => request.route === 'POST /channels/:channelId/messages').map((request) => request.status);
    expect(statuses).toEqual([200, 429, 200]);
    const response = await fetch(`${discord.apiUrl}/v10/channels/${discord.seed.generalId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'raw' }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+\.\d+$/);
    expect(await response.json()).toMatchObject({ message: 'You are being rate limited.', global: false });
  });

  test('rate-limit headers are sent, generous by default', async (context) => {
    const { discord } = await start(context);
    const response = await fetch(`${discord.apiUrl}/v10/users/@me`, { headers: { authorization: `Bot ${discord.token}` } });
    expect(Number(response.headers.get('x-ratelimit-limit'))).toBeGreaterThanOrEqual(1000);
    expect(response.headers.get('x-ratelimit-bucket')).toBeTruthy();
  });

  test('5xx: two failures are retried through; four exhaust discord.js’s three retries', async (context) => {
    const { discord, client } = await start(context);
    discord.faults.failNextRest(2, 500);
    expect((await general(client, discord).send('survives')).content).toBe('survives');
    discord.faults.failNextRest(4, 503);
    await expect(general(client, discord).send('lost')).rejects.toBeInstanceOf(HTTPError);
    discord.faults.clear();
  });

  test('delayed responses', async (context) => {
    const { discord, client } = await start(context);
    discord.faults.delayRest(150);
    const started = performance.now();
    await general(client, discord).send('slow');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    discord.faults.delayRest(0);
  });
});
