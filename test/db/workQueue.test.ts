import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../src/agents/errors.js';
import type { EngineStores } from '../../src/agents/ports.js';
import { withTokenCount } from '../../src/agents/promptMessages.js';
import { openPostgres } from '../../src/db/openDatabase.js';
import { createEngineStores } from '../../src/db/repositories/index.js';
import { silentLogger } from '../../src/logger.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { acceptMessage, newChannel, testPersona, userMessage } from '../support/engine/builders.js';

describe.each(testDrivers())('turn queue on %s', (driver) => {
  let database: TestDatabase;
  let stores: EngineStores;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
    stores = createEngineStores(database.db, { helperResultMaxTokens: 1000 });
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
    const first = await acceptMessage(stores, where, message);
    const second = await acceptMessage(stores, where, message);
    expect(first).toMatchObject({ accepted: true, agent: { runState: 'queued', channelId: where.channelId } });
    expect(second.accepted).toBe(false);
    const claim = await stores.queue.claimNext('worker-a', 60_000);
    expect(claim?.agent.id).toBe(first.agent.id);
    expect(await stores.queue.claimNext('worker-b', 60_000)).toBeNull();
    await stores.queue.finish(claim!, { status: 'done' });
    expect((await stores.agents.getById(first.agent.id))?.runState).toBe('idle');
  });

  it('queues the agent again when a message arrives during its turn', async () => {
    await drain();
    const where = newChannel();
    await acceptMessage(stores, where, userMessage('first'));
    const claim = await stores.queue.claimNext('worker-a', 60_000);
    const during = await acceptMessage(stores, where, userMessage('second'));
    expect(during).toMatchObject({ accepted: true, agent: { runState: 'running' } });
    await stores.queue.finish(claim!, { status: 'done' });
    const next = await stores.queue.claimNext('worker-a', 60_000);
    expect(next?.agent.id).toBe(claim!.agent.id);
    expect(next?.turn.id).not.toBe(claim!.turn.id);
    await stores.queue.finish(next!, { status: 'done' });
  });

  it('resumes the same turn when a lease expires, and fences every write of the old owner out', async () => {
    await drain();
    const where = newChannel();
    await acceptMessage(stores, where, userMessage('hello'));
    const dead = await stores.queue.claimNext('dead-process', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const resumed = await stores.queue.claimNext('live-process', 60_000);
    expect(resumed?.agent.id).toBe(dead!.agent.id);
    expect(resumed?.turn).toMatchObject({ id: dead!.turn.id, attempts: 2, requestedBy: 'user-1' });

    // The old owner, unaware, tries every write a turn makes: each is refused, and stores nothing.
    const { agent, lease } = dead!;
    const usage = { agent, userId: null, model: 'm', purpose: 'turn' as const, promptTokens: 1, completionTokens: 1 };
    const answer = withTokenCount({ role: 'assistant', content: 'a second answer', turnId: lease.turnId });
    const chunk = { chunkIndex: 0, channelId: where.channelId, discordMessageId: 'posted-by-the-dead', content: 'x', agent, nonce: 'n-dead' };
    expect(await stores.queue.renewLease(lease, 60_000)).toBe('lost');
    await expect(stores.queue.recordAnswer(lease, { message: answer, usage, shownText: 'a second answer' })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(stores.messages.appendToTurn(lease, agent, withTokenCount({ role: 'tool', content: 'result', toolCallId: 'c1', toolName: 'recall' }))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(stores.outbox.recordPosted(lease, chunk)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(stores.outbox.removeChunk(lease, 0)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(stores.usage.record(lease, usage)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(stores.queue.finish(dead!, { status: 'done' })).rejects.toBeInstanceOf(LeaseLostError);
    const written = await database.rows<{ answers: number; usages: number; chunks: number; running: boolean }>(sql`select
        (select count(*)::int from messages where agent_id = ${agent.id} and role <> 'user') as answers,
        (select count(*)::int from usage where agent_id = ${agent.id}) as usages,
        (select count(*)::int from outbox where turn_id = ${lease.turnId}) as chunks,
        (select status = 'running' from turns where id = ${lease.turnId}) as running`);
    expect(written).toEqual([{ answers: 0, usages: 0, chunks: 0, running: true }]);

    // The new owner's writes go through.
    await stores.outbox.recordPosted(resumed!.lease, { ...chunk, discordMessageId: 'posted-by-the-living', nonce: 'n-live' });
    await stores.queue.recordAnswer(resumed!.lease, { message: answer, usage: { ...usage, agent: resumed!.agent }, shownText: 'the answer' });
    await stores.queue.finish(resumed!, { status: 'done', noticeMessageId: null });
    expect((await stores.outbox.postedChunks(lease.turnId)).map((posted) => posted.discordMessageId)).toEqual(['posted-by-the-living']);
  });

  it('hands a turn that showed its answer back with that answer, so it only has to end', async () => {
    await drain();
    const where = newChannel();
    await acceptMessage(stores, where, userMessage('hello'));
    const first = await stores.queue.claimNext('crashing-process', 1);
    const usage = { agent: first!.agent, userId: null, model: 'm', purpose: 'turn' as const, promptTokens: 1, completionTokens: 1 };
    const message = withTokenCount({ role: 'assistant', content: 'shown in full', turnId: first!.turn.id, seenThroughId: 42 });
    await stores.queue.recordAnswer(first!.lease, { message, usage, shownText: 'shown in full' });
    // Retried after a cut connection, it stores nothing twice.
    await stores.queue.recordAnswer(first!.lease, { message, usage, shownText: 'shown in full' });
    const stored = await database.rows<{ answers: number; usages: number }>(sql`select
        (select count(*)::int from messages where turn_id = ${first!.turn.id}) as answers,
        (select count(*)::int from usage where agent_id = ${first!.agent.id}) as usages`);
    expect(stored).toEqual([{ answers: 1, usages: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const resumed = await stores.queue.claimNext('next-process', 60_000);
    expect(resumed?.turn).toMatchObject({ id: first!.turn.id, shown: { text: 'shown in full', seenThroughId: 42 } });
    await stores.queue.finish(resumed!, { status: 'done', noticeMessageId: null });
    // Ending it again (a retry whose first attempt committed) is no lost lease.
    expect(await stores.queue.finish(resumed!, { status: 'done', noticeMessageId: null })).toBe(false);
  });

  it('never hands a process a turn it is still running, even once its lease ran out', async () => {
    await drain();
    const where = newChannel();
    await acceptMessage(stores, where, userMessage('hello'));
    const running = await stores.queue.claimNext('this-process', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await stores.queue.claimNext('this-process', 60_000, [running!.agent.id])).toBeNull();
    const resumed = await stores.queue.claimNext('this-process', 60_000);
    expect(resumed?.turn.id).toBe(running!.turn.id);
    await stores.queue.finish(resumed!, { status: 'done' });
  });

  it('lets the leases of dead owners run out at once, and only theirs', async () => {
    await drain();
    const [dead, alive] = [newChannel(), newChannel()];
    await acceptMessage(stores, dead, userMessage('one'));
    await acceptMessage(stores, alive, userMessage('two'));
    const deadClaim = await stores.queue.claimNext('gone', 60_000);
    const aliveClaim = await stores.queue.claimNext('still-here', 60_000);
    expect(await stores.queue.expireLeasesOf((owner) => owner === 'gone')).toBe(1);
    const expired = await database.rows<{ id: number }>(sql`select id from agents where run_state = 'running' and lease_expires_at <= now()`);
    expect(expired.map((row) => Number(row.id))).toEqual([deadClaim!.agent.id]);
    const taken = await stores.queue.claimNext('successor', 60_000);
    expect(taken?.turn.id).toBe(deadClaim!.turn.id);
    await stores.queue.finish(taken!, { status: 'done' });
    await stores.queue.finish(aliveClaim!, { status: 'done' });
  });

  it('claims an idle agent in the statement that stores the message addressed to it', async () => {
    await drain();
    const where = newChannel();
    const lease = { owner: 'worker-a', leaseMs: 60_000 };
    expect(await stores.agents.acceptIfListening(where.channelId, userMessage('nobody home'), lease)).toBeNull();
    await stores.agents.getOrCreateChannelAgent(where, testPersona);

    const first = await stores.agents.acceptIfListening(where.channelId, userMessage('hello', { authorName: 'Alice' }), lease);
    expect(first?.agent).toMatchObject({ runState: 'running', channelId: where.channelId });
    expect(first?.claim).toMatchObject({ unanswered: true, answeredThroughId: 0, turn: { attempts: 1, requestedBy: 'user-1' } });
    expect(first!.claim!.unsummarisedTokens).toBeGreaterThan(0);
    // Claimed, so no worker may claim it too.
    expect(await stores.queue.claimNext('worker-b', 60_000)).toBeNull();

    // While it runs, a message is stored and wakes it for its next turn, without a claim.
    const during = await stores.agents.acceptIfListening(where.channelId, userMessage('and another thing'), lease);
    expect(during).toMatchObject({ agent: { runState: 'running' }, claim: null });
    expect(await stores.queue.finish(first!.claim!, { status: 'done' })).toBe(true);

    // Its next turn answers that message; then, at rest again and with no free slot, it is only queued.
    const next = await stores.queue.claimNext('worker-a', 60_000);
    expect(next?.agent.id).toBe(first!.agent.id);
    expect(await stores.queue.finish(next!, { status: 'done' })).toBe(false);
    const queued = await stores.agents.acceptIfListening(where.channelId, userMessage('later'));
    expect(queued).toMatchObject({ agent: { runState: 'queued' }, claim: null });
    // A switched-off agent takes nothing.
    await stores.agents.setReplyMode(queued!.agent.id, 'off');
    expect(await stores.agents.acceptIfListening(where.channelId, userMessage('hush'), lease)).toBeNull();
  });

  it('stores a message addressed to the bot once, however many processes receive it', async () => {
    await drain();
    const where = newChannel();
    await stores.agents.getOrCreateChannelAgent(where, testPersona);
    const message = userMessage('once', { discordMessageId: `once-${where.channelId}` });
    const lease = { owner: 'worker-a', leaseMs: 60_000 };
    const [a, b] = await Promise.all([
      stores.agents.acceptIfListening(where.channelId, message, lease),
      stores.agents.acceptIfListening(where.channelId, message, { ...lease, owner: 'worker-b' }),
    ]);
    expect([a, b].filter((result) => result !== null)).toHaveLength(1);
  });
});

describe.runIf(testDrivers().includes('postgres'))('turn queue under concurrent claims on the server', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(() => database.destroy());

  it('passes over an agent whose row another statement holds, and says one is waiting; not over one whose messages are being stored', async () => {
    const stores = createEngineStores(database.db, { helperResultMaxTokens: 1000 });
    const other = await openPostgres(database.url!, { dataDir: '', poolSize: 1, connectTimeoutMs: 5000 }, silentLogger());
    /** Runs `lock` on the other connection, in a transaction held open until the returned release. */
    const holding = async (lock: ReturnType<typeof sql>) => {
      let release!: () => void;
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const done = other.db.transaction(async (tx) => {
        await tx.execute(lock);
        locked();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await isLocked;
      return () => (release(), done);
    };
    try {
      const held = (await acceptMessage(stores, newChannel(), userMessage('held'))).agent.id;
      const release = await holding(sql`select id from agents where id = ${held} for update`);
      expect(await stores.queue.claimNext('worker-a', 60_000)).toBeNull();
      expect(await stores.queue.hasClaimable([], { helpers: true })).toBe(true);
      await release();
      const claim = await stores.queue.claimNext('worker-a', 60_000);
      expect(claim?.agent.id).toBe(held);
      expect(await stores.queue.hasClaimable([], { helpers: true })).toBe(false);

      // A message being inserted for an agent holds a key share of its row (the foreign key).
      const referenced = (await acceptMessage(stores, newChannel(), userMessage('referenced'))).agent.id;
      const releaseShare = await holding(sql`select id from agents where id = ${referenced} for key share`);
      expect((await stores.queue.claimNext('worker-a', 60_000))?.agent.id).toBe(referenced);
      await releaseShare();
    } finally {
      await other.close();
    }
  });

  it('never hands one agent to two processes', async () => {
    const stores = createEngineStores(database.db, { helperResultMaxTokens: 1000 });
    const agentIds = new Set<number>();
    for (let index = 0; index < 40; index++) {
      agentIds.add((await acceptMessage(stores, newChannel(), userMessage(`m${index}`))).agent.id);
    }
    // Four separate pools stand in for four bot processes.
    const processes = await Promise.all(
      [0, 1, 2, 3].map(() => openPostgres(database.url!, { dataDir: '', poolSize: 3, connectTimeoutMs: 5000 }, silentLogger())),
    );
    try {
      const claimed = await Promise.all(
        processes.map(async (handle, index) => {
          const queue = createEngineStores(handle.db, { helperResultMaxTokens: 1000 }).queue;
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
