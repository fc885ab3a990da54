import { dirname } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { STORAGE_FAILURE_NOTICE, storageFailureNonce } from '../../src/discord/discordBot.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

describe.each(testDrivers())('when a message cannot be stored (%s)', (driver) => {
  let harness: BotHarness;
  let secondDatabase: TestDatabase | undefined;
  let bots: App[];
  beforeAll(async () => {
    harness = await startHarness(driver);
    // Two processes receive every message. On PostgreSQL they share the database; PGlite allows
    // one process per data directory, so there the second bot has a database of its own.
    if (driver === 'pglite') {
      secondDatabase = await createTestDatabase('pglite');
      await secondDatabase.close();
    }
    bots = [await harness.startBot(), await harness.startBot(secondDatabase ? { DATA_DIR: dirname(secondDatabase.directory!) } : {})];
  });
  afterAll(async () => {
    await harness.close();
    await secondDatabase?.destroy();
  });

  it('tells the author once, in a reply that pings nobody, though both processes failed', async () => {
    const { discord } = harness;
    const channelId = discord.seed.generalId;
    // The database refuses this one message: it reaches both bots, and neither can store it.
    // (Everything else keeps working, as when one statement fails in an outage.)
    const refuse = sql`alter table messages add constraint refuses_one_message check (content not like '%cannot be stored%')`;
    for (const bot of driver === 'pglite' ? bots : bots.slice(0, 1)) await bot.database.rows(refuse);
    const asked = harness.mention('this cannot be stored');
    const nonce = storageFailureNonce(asked.id);
    const posts = () =>
      discord.restRequests.filter((request) => request.method === 'POST' && request.path === `/channels/${channelId}/messages` && (request.body as { nonce?: string }).nonce === nonce);
    // Both processes posted the notice, with the same nonce and enforce_nonce, as a reply.
    await discord.waitFor(() => posts().length === 2 && posts().every((request) => request.status === 200) && posts(), { description: 'two notice posts' });
    for (const request of posts()) {
      expect(request.body).toMatchObject({
        content: STORAGE_FAILURE_NOTICE,
        enforce_nonce: true,
        allowed_mentions: { parse: [] },
        message_reference: { message_id: asked.id },
      });
    }
    const notices = harness.botMessages(channelId).filter((message) => BigInt(message.id) > BigInt(asked.id));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.content).toBe(STORAGE_FAILURE_NOTICE);
    expect(notices[0]!.message_reference?.message_id).toBe(asked.id);
    expect(discord.pings.filter((ping) => ping.messageId === notices[0]!.id)).toEqual([]);
    expect(nonce.length).toBeLessThanOrEqual(25);
    expect(discord.internalErrors).toEqual([]);
  });
});
