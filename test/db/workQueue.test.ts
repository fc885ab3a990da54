import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStores } from '../../src/agents/ports.js';
import { openPostgres } from '../../src/db/openDatabase.js';
import { createEngineStores } from '../../src/db/repositories/index.js';
import { silentLogger } from '../../src/logger.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { newChannel, testPersona, userMessage } from '../support/engine/builders.js';

describe.each(testDrivers())('turn queue on %s', (driver) => {
  let database: TestDatabase;
  let stores: EngineStores;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
    stores = createEngineStores(database.db);
  });
  afterAll(() => database.destroy());

  const drain = async () => {
    while (await stores.queue.claimNext('drainer', 60_000)) {
      // claimed agents stay running under "drainer": out of the way of the next test
    }
  };

  it('stores a Discord message once and queues its agent once', async () => {
    await drain();
    const where = newChannel();
    const message = userMessage('hello', { discordMessageId: `dup-${where.channelId}` });
    const first = await stores.agents.acceptUserMessage(where, testPersona, message);
    const second = await stores.agents.acceptUserMessage(where, testPersona, message);
    expect(first).toMatchObject({ accepted: true, agent: { status: 'queued', channelId: where.channelId } });
    expect(second.accepted).toBe(false);
    const claim = await stores.queue.claimNext('worker-a', 60_000);
    expect(claim?.agent.id).toBe(first.agent.id);
    expect(await stores.queue.claimNext('worker-b', 60_000)).toBeNull();
    await stores.queue.finish(claim!, 'worker-a', { status: 'done' });
    expect((await stores.agents.getById(first.agent.id))?.status).toBe('idle');
  });

  it('queues the agent again when a message arrives during its turn', async () => {
    await drain();
    const where = newChannel();
    await stores.agents.acceptUserMessage(where, testPersona, userMessage('first'));
    const claim = await stores.queue.claimNext('worker-a', 60_000);
    const during = await stores.agents.acceptUserMessage(where, testPersona, userMessage('second'));
    expect(during).toMatchObject({ accepted: true, agent: { status: 'running' } });
    await stores.queue.finish(claim!, 'worker-a', { status: 'done' });
    const next = await stores.queue.claimNext('worker-a', 60_000);
    expect(next?.agent.id).toBe(claim!.agent.id);
    expect(next?.turn.id).not.toBe(claim!.turn.id);
    await stores.queue.finish(next!, 'worker-a', { status: 'done' });
  });

  it('resumes the same turn when a lease expires, and the old owner can no longer finish it', async () => {
    await drain();
    const where = newChannel();
    await stores.agents.acceptUserMessage(where, testPersona, userMessage('hello'));
    const dead = await stores.queue.claimNext('dead-process', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const resumed = await stores.queue.claimNext('live-process', 60_000);
    expect(resumed?.agent.id).toBe(dead!.agent.id);
    expect(resumed?.turn).toMatchObject({ id: dead!.turn.id, attempts: 2, requestedBy: 'user-1' });
    expect(await stores.queue.renewLease(dead!.agent.id, 'dead-process', 60_000)).toBe(false);
    await stores.queue.finish(resumed!, 'live-process', { status: 'done' });
  });
});

describe.runIf(testDrivers().includes('postgres'))('turn queue under concurrent claims on the server', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(() => database.destroy());

  it('never hands one agent to two processes', async () => {
    const stores = createEngineStores(database.db);
    const agentIds = new Set<number>();
    for (let index = 0; index < 40; index++) {
      agentIds.add((await stores.agents.acceptUserMessage(newChannel(), testPersona, userMessage(`m${index}`))).agent.id);
    }
    // Four separate pools stand in for four bot processes.
    const processes = await Promise.all(
      [0, 1, 2, 3].map(() => openPostgres(database.url!, { dataDir: '', poolSize: 3, connectTimeoutMs: 5000 }, silentLogger())),
    );
    try {
      const claimed = await Promise.all(
        processes.map(async (handle, index) => {
          const queue = createEngineStores(handle.db).queue;
          const mine: number[] = [];
          for (let claim = await queue.claimNext(`p${index}`, 60_000); claim; claim = await queue.claimNext(`p${index}`, 60_000)) {
            mine.push(claim.agent.id);
          }
          return mine;
        }),
      );
      const all = claimed.flat();
      expect(all.length).toBe(agentIds.size);
      expect(new Set(all)).toEqual(agentIds);
      expect(claimed.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(processes.map((handle) => handle.close()));
    }
  });
});
