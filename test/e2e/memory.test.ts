import type { APIButtonComponent, APIMessage } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

const BUDGET = 1500;
/** The buttons under a message, by label. */
const buttonsOf = (message: APIMessage) =>
  (message.components ?? []).flatMap((row) => ('components' in row ? (row.components as APIButtonComponent[]) : []));
const buttonLabelled = (message: APIMessage, label: string) => {
  const button = buttonsOf(message).find((candidate) => 'label' in candidate && candidate.label?.includes(label));
  expect(button, `no "${label}" button under ${JSON.stringify(message.components)}`).toBeDefined();
  return button as APIButtonComponent & { custom_id: string };
};

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

  it('/memory show pages 34 long facts, saying which of how many; Previous and Next reach each once, in this channel only', async () => {
    const { discord } = harness;
    const alice = discord.seed.alice.id;
    const number = (index: number) => String(index + 1).padStart(2, '0');
    const facts = Array.from({ length: 34 }, (_, index) => `Fact ${number(index)}: ${'lorem ipsum '.repeat(42)}`.slice(0, 495).trim());
    for (const fact of facts) await harness.runCommand({ channelId, userId: alice, name: 'memory', subcommand: 'add', options: { fact } });

    const shown = await harness.runCommand({ channelId, userId: alice, name: 'memory', subcommand: 'show' });
    const header = /^\*\*Facts 1–(\d+) of 34, page 1 of (\d+)\*\*$/m.exec(shown.text);
    expect(header, shown.text).not.toBeNull();
    const pages = Number(header![2]);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(34 / Number(header![1])));
    const messageId = shown.responses.original!.id;
    const press = async (customId: string) => {
      const click = discord.clickButton({ messageId, customId, userId: alice });
      await discord.waitForInteractionResponse(click.id, (responses) => responses.acknowledged);
      return discord.message(messageId)!;
    };
    let message = discord.message(messageId)!;
    expect(buttonLabelled(message, 'Previous').disabled).toBe(true);
    const seen: string[] = [];
    for (let page = 1; page <= pages; page++) {
      expect(message.content.length).toBeLessThanOrEqual(2000);
      expect(message.content).toMatch(new RegExp(`^\\*\\*Facts \\d+–\\d+ of 34, page ${page} of ${pages}\\*\\*\n`));
      seen.push(...[...message.content.matchAll(/Fact (\d\d):/g)].map((match) => match[1]!));
      const next = buttonLabelled(message, 'Next');
      if (page === pages) expect(next.disabled).toBe(true);
      else message = await press(next.custom_id);
    }
    expect(seen).toEqual(facts.map((_, index) => number(index)));
    message = await press(buttonLabelled(message, 'Previous').custom_id);
    expect(message.content).toContain(`page ${pages - 1} of ${pages}**`);

    const last = await harness.runCommand({ channelId, userId: alice, name: 'memory', subcommand: 'show', options: { page: pages } });
    expect(last.text).toMatch(new RegExp(`^\\*\\*Facts \\d+–34 of 34, page ${pages} of ${pages}\\*\\*`));
    const beyond = await harness.runCommand({ channelId, userId: alice, name: 'memory', subcommand: 'show', options: { page: 99 } });
    expect(beyond.text).toContain(`page ${pages} of ${pages}** (there is no page 99)`);

    // Autocomplete shows 25 at most: the 24 newest, and a line saying how many more match.
    const { choices } = await discord.requestAutocomplete({ channelId, userId: alice, name: 'memory', subcommand: 'forget', options: { fact: '' }, focused: 'fact' });
    expect(choices).toHaveLength(25);
    expect(JSON.stringify(choices.slice(0, 24))).toContain('Fact 11:');
    expect(JSON.stringify(choices.slice(0, 24))).not.toContain('Fact 10:');
    expect(choices.at(-1)).toEqual({ name: '… 10 older matches not listed: type part of the fact or its number', value: 0 });

    // The same button pressed in another channel (its custom id copied) shows nothing of this one.
    const otherChannel = discord.createChannel({ guildId: discord.seed.guildId, name: `other-${Date.now()}` }).id;
    const elsewhere = await harness.runCommand({ channelId: otherChannel, userId: alice, name: 'memory', subcommand: 'show' });
    const forged = discord.forgeButtonClick({ messageId: elsewhere.responses.original!.id, customId: buttonLabelled(message, 'Next').custom_id, userId: alice });
    const refused = await discord.waitForInteractionResponse(forged.id, (responses) => responses.acknowledged && (responses.original !== null || responses.followups.length > 0));
    const refusal = [refused.original, ...refused.followups].map((reply) => reply?.content ?? '').join('\n');
    expect(refusal).toBe('These buttons belong to another channel\'s memory: run /memory show here.');
    expect(discord.message(elsewhere.responses.original!.id)!.content).toBe('I remember no facts here yet. Add one with /memory add.');
  }, 60_000);

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

  it('keeps a fact remembered twice once (a resumed turn may run its remember call again)', async () => {
    for (let time = 0; time < 2; time++) {
      const asked = harness.mention('remember: the standup is at 9:30', { channelId });
      await replyAfter(asked.id);
    }
    const listed = await harness.runCommand({ channelId, userId: harness.discord.seed.alice.id, name: 'memory', subcommand: 'show' });
    expect(harness.discord.message(listed.responses.original!.id)!.content.match(/the standup is at 9:30/g)).toHaveLength(1);
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
