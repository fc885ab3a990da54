import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

const BUDGET = 1500;
const WORDS = ['apple', 'river', 'stone', 'cloud', 'lantern', 'copper', 'meadow', 'harbor', 'violet', 'ember', 'glacier', 'orchid'];

describe.each(testDrivers())('long conversations and memory (%s)', (driver) => {
  let harness: BotHarness;
  let channelId: string;
  const replyAfter = (messageId: string, timeoutMs = 5000) => harness.replyAfter(messageId, { channelId, timeoutMs });

  beforeAll(async () => {
    harness = await startHarness(driver);
    await harness.startBot({ CONTEXT_TOKEN_BUDGET: String(BUDGET), SUMMARY_TRIGGER: '0.6' });
  });
  beforeEach(() => {
    harness.llm.reset();
    channelId = harness.discord.createChannel({ guildId: harness.discord.seed.guildId, name: `memory-${Date.now()}` }).id;
  });
  afterAll(() => harness.close());

  it('keeps every prompt of a 500-message conversation within the budget, folding history into a summary', async () => {
    await harness.runCommand({ channelId, userId: harness.discord.seed.alice.id, name: 'agent', subcommand: 'mode', options: { mode: 'all' } });
    let folds = 0;
    // The summary call is told what it is for in its system message; answer it like a model would.
    harness.llm.respondWith((request) =>
      String(request.messages[0]?.content).includes('running summary') ? { text: `Summary ${++folds}: Bob has been listing notes.` } : undefined,
    );
    let last = '';
    // 50 bursts of 9 messages, each answered once: 500 messages in the conversation.
    for (let burst = 0; burst < 50; burst++) {
      for (let index = 0; index < 9; index++) {
        const words = Array.from({ length: 8 }, (_, offset) => WORDS[(burst * 9 + index + offset) % WORDS.length]).join(' ');
        last = harness.discord.userSays({ channelId, authorId: harness.discord.seed.bob.id, content: `note ${burst}-${index}: ${words}` }).id;
      }
      // The burst is answered together: the reply echoes its last note.
      await harness.discord.waitForMessage((message) => message.author.id === harness.discord.bot.id && message.id > last && message.content.includes(`note ${burst}-8:`), { timeoutMs: 10_000 });
    }
    const requests = harness.llm.requests;
    const summaries = requests.filter((request) => String(request.messages[0]!.content).includes('running summary'));
    const turns = requests.filter((request) => !summaries.includes(request));
    expect(turns.length).toBeGreaterThanOrEqual(50);
    expect(summaries.length).toBeGreaterThan(2);
    for (const request of requests) expect(request.promptTokens).toBeLessThanOrEqual(BUDGET);
    const lastPrompt = JSON.stringify(turns.at(-1)!.messages);
    expect(turns.at(-1)!.messages[1]!.content).toContain(`Summary of the earlier conversation:\nSummary ${folds}: Bob has been listing notes.`);
    expect(lastPrompt).toContain('note 49-8');
    expect(lastPrompt).not.toContain('note 0-0:');
  }, 120_000);

  it('recalls a message that is no longer in the context', async () => {
    const old = harness.mention('the launch code is swordfish', { channelId });
    await replyAfter(old.id);
    await harness.runCommand({ channelId, userId: harness.discord.seed.alice.id, name: 'reset' });
    const asked = harness.mention('recall: swordfish', { channelId });
    const reply = await replyAfter(asked.id);
    expect(JSON.stringify(harness.llm.requests.at(-2)!.messages)).not.toContain('launch code is swordfish');
    expect(reply.content).toContain('Tool recall returned:');
    await harness.discord.waitFor(() => harness.discord.message(reply.id)?.content.includes('launch code is swordfish'));
  });

  it('carries on after the bot restarts: same conversation, same facts', async () => {
    const first = harness.mention('remember: the meeting room is Orion', { channelId });
    await replyAfter(first.id);
    const said = harness.mention('my favourite colour is teal', { channelId });
    await replyAfter(said.id);

    await harness.restartBots();

    const after = harness.mention('what do you know about me?', { channelId });
    await replyAfter(after.id, 10_000);
    const prompt = JSON.stringify(harness.llm.lastRequest()!.messages);
    expect(prompt).toContain('the meeting room is Orion');
    expect(prompt).toContain('my favourite colour is teal');
  });
});
