import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

/**
 * No idle polling: once a bot has answered and holds a schedule, it sends the database nothing
 * until something happens (a message, a due time, another process's signal). The window is
 * longer than any interval the bot ever polled at (500 ms to 2 s).
 */
const IDLE_WINDOW_MS = 3000;
/** The idle window starts after this long without a statement: longer than the scheduler's tick, whose read after a change may come a second later. */
const QUIET_MS = 1500;

/** Resolves once no statement has been sent for `QUIET_MS` (at most 10 s). */
async function quiet(harness: BotHarness): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let seen = -1; seen !== harness.statements.length; ) {
    if (Date.now() > deadline) throw new Error(`the bot kept querying: ${harness.statements.slice(-5).join(' | ')}`);
    seen = harness.statements.length;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  }
}

describe.each(testDrivers())('an idle bot (%s)', (driver) => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await startHarness(driver);
    await harness.startBot();
  });
  afterAll(() => harness.close());

  it('asks the database nothing while nothing happens', async () => {
    const added = await harness.runCommand({
      channelId: harness.discord.seed.generalId,
      userId: harness.discord.seed.alice.id,
      name: 'schedule',
      subcommand: 'add',
      options: { cron: '0 9 1 1 *', task: 'Say happy new year.' },
    });
    expect(added.text).toContain('Created schedule');
    await harness.replyAfter(harness.mention('hello').id);
    await quiet(harness);
    const before = harness.statements.length;
    await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
    expect(harness.statements.slice(before)).toEqual([]);
    // Still awake: a message is answered at once.
    await harness.replyAfter(harness.mention('still there?').id);
  });
});
