import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

/** How the model reads mentions: as people see them in Discord, names instead of ids. */
describe.each(testDrivers())('mentions in what the agent reads (%s)', (driver) => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await startHarness(driver);
    await harness.startBot();
  });
  beforeEach(() => harness.llm.reset());
  afterAll(() => harness.close());

  /** The text of the last user message in the last prompt. */
  const lastUserText = () => String(harness.llm.lastRequest()!.messages.filter((message) => message.role === 'user').at(-1)!.content);

  it('reads a mention of the @everyone role (<@&guild id>) as "@everyone", and other mentions by name', async () => {
    const { discord } = harness;
    const { guildId, generalId, bob, botRoleId } = discord.seed;
    const asked = harness.mention(`<@&${guildId}> meet <@${bob.id}> of <@&${botRoleId}> in <#${generalId}>`);
    await harness.replyAfter(asked.id);
    const text = lastUserText();
    expect(text).not.toContain('@@');
    expect(text).toContain('@everyone meet @Bob of @Matryoshka in #general');
  });

  it('reads it so in the message replied to as well', async () => {
    const { discord } = harness;
    const announcement = discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.bob.id, content: `<@&${discord.seed.guildId}> standup moved to 10:00` });
    const asked = discord.userSays({
      channelId: discord.seed.generalId,
      authorId: discord.seed.alice.id,
      content: `<@${discord.bot.id}> is this right?`,
      replyTo: announcement.id,
    });
    await harness.replyAfter(asked.id);
    const text = lastUserText();
    expect(text).toContain('"@everyone standup moved to 10:00"');
    expect(text).not.toContain('@@');
  });
});
