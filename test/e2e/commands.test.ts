import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

describe.each(testDrivers())('slash commands (%s)', (driver) => {
  let harness: BotHarness;
  let channelId: string;
  const botReplyAfter = (messageId: string) => harness.replyAfter(messageId, { channelId });

  beforeAll(async () => {
    harness = await startHarness(driver);
    await harness.startBot();
  });
  beforeEach(() => {
    harness.llm.reset();
    // A channel of its own per test: agents, facts and modes do not leak between tests.
    channelId = harness.discord.createChannel({ guildId: harness.discord.seed.guildId, name: `test-${Date.now()}` }).id;
  });
  afterAll(() => harness.close());

  const alice = () => harness.discord.seed.alice.id;
  const bob = () => harness.discord.seed.bob.id;

  it('/agent mode all makes the agent answer every message; bob may not change it', async () => {
    const refused = await harness.runCommand({ channelId, userId: bob(), name: 'agent', subcommand: 'mode', options: { mode: 'all' } });
    expect(refused.ephemeral).toBe(true);
    expect(refused.text).toContain('Manage Channels');
    const set = await harness.runCommand({ channelId, userId: alice(), name: 'agent', subcommand: 'mode', options: { mode: 'all' } });
    expect(set.text).toContain('Mode set to **all**');
    const said = harness.discord.userSays({ channelId, authorId: bob(), content: 'no mention here' });
    const reply = await botReplyAfter(said.id);
    expect(reply.content).toContain('no mention here');
  });

  it('/agent mode off silences even a mention, while commands keep working', async () => {
    await harness.runCommand({ channelId, userId: alice(), name: 'agent', subcommand: 'mode', options: { mode: 'off' } });
    const ignored = harness.mention('are you there?', { channelId });
    const shown = await harness.runCommand({ channelId, userId: bob(), name: 'persona', subcommand: 'show' });
    expect(shown.text).toContain('Matryoshka');
    expect(await harness.taken(ignored.id)).toBe('ignored');
    await harness.runCommand({ channelId, userId: alice(), name: 'agent', subcommand: 'mode', options: { mode: 'mention' } });
    const asked = harness.mention('and now?', { channelId });
    await botReplyAfter(asked.id);
    expect(harness.llm.requests).toHaveLength(1);
    expect(JSON.stringify(harness.llm.lastRequest()!.messages)).not.toContain('are you there?');
    expect(harness.botMessages(channelId)).toHaveLength(1);
  });

  it('the forget tool refuses a user without Manage Messages; malformed tool arguments get a clear error', async () => {
    const fact = await harness.runCommand({ channelId, userId: alice(), name: 'memory', subcommand: 'add', options: { fact: 'Keep me.' } });
    const factId = /#(\d+)/.exec(fact.text)![1];
    const fromBob = harness.mention(`forget: ${factId}`, { channelId, authorId: bob() });
    const refused = await botReplyAfter(fromBob.id);
    expect(refused.content).toContain('Tool forget returned: Refused: only someone with the Manage Messages permission');
    harness.llm.enqueue({ toolCalls: [{ name: 'remember', arguments: '{"fact": "unterminated' }] });
    const broken = harness.mention('remember something, badly', { channelId });
    const answered = await botReplyAfter(broken.id);
    expect(answered.content).toContain('Tool remember returned: Error: the arguments were not valid JSON');
    const listed = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'show' });
    expect(listed.text).toContain('Keep me.');
  });

  it('the forget tool acts with the rights of everyone its turn answers: an admin speaking in the same turn does not lend hers', async () => {
    const fact = await harness.runCommand({ channelId, userId: alice(), name: 'memory', subcommand: 'add', options: { fact: 'Keep me too.' } });
    const factId = Number(/#(\d+)/.exec(fact.text)![1]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    harness.llm.respondWith(async (request) => {
      calls += 1;
      if (calls === 1) {
        await held;
        return { text: 'First answer.' };
      }
      // The second turn answers Bob's and Alice's messages together, and the model tries to forget.
      if (calls === 2 && !request.messages.some((message) => message.role === 'tool')) return { toolCalls: [{ name: 'forget', arguments: { fact_id: factId } }] };
      return undefined;
    });
    harness.mention('first question', { channelId });
    await harness.discord.waitFor(() => calls === 1 || undefined, { timeoutMs: 5000, description: 'the first turn at the model' });
    harness.mention('please forget that fact', { channelId, authorId: bob() });
    const fromAlice = harness.mention('and I agree', { channelId });
    await harness.taken(fromAlice.id);
    release();
    const refused = await harness.discord.waitForMessage((message) => message.channel_id === channelId && message.content.includes('Tool forget returned'), { timeoutMs: 5000 });
    expect(JSON.stringify(harness.llm.requests[1]!.messages)).toContain('please forget that fact');
    expect(refused.content).toContain('Tool forget returned: Refused: only someone with the Manage Messages permission');
    const listed = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'show' });
    expect(listed.text).toContain('Keep me too.');
  });

  it('/persona set opens a form whose answer changes the next prompt\'s system message', async () => {
    const opened = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'set', options: { temperature: 0.3 } });
    expect(opened.modal).toBeTruthy();
    const { id } = harness.discord.submitModal({
      interactionId: opened.id,
      fields: { name: 'Captain', instructions: 'Talk like a ship captain.', model: 'gpt-4o', temperature: '0.3' },
    });
    const saved = await harness.discord.waitForInteractionResponse(id, (responses) => responses.acknowledged);
    expect(saved.ephemeral).toBe(true);
    const asked = harness.mention('hello captain', { channelId });
    await botReplyAfter(asked.id);
    const request = harness.llm.lastRequest()!;
    expect(request.model).toBe('gpt-4o');
    expect(request.body).toMatchObject({ temperature: 0.3 });
    expect(String(request.messages[0]!.content)).toContain('Talk like a ship captain.');
    expect(String(request.messages[0]!.content)).toContain('Captain');
  });

  it('/persona show shows all 4,000 characters of the instructions (an embed holds 4,096; a message only 2,000)', async () => {
    const opened = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'set' });
    const instructions = `${'Be thorough. '.repeat(308)}THE END`.slice(-4000);
    const saved = harness.discord.submitModal({ interactionId: opened.id, fields: { name: 'Long', instructions, model: 'gpt-4o-mini', temperature: '' } });
    await harness.discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    const shown = await harness.runCommand({ channelId, userId: bob(), name: 'persona', subcommand: 'show' });
    expect(instructions).toHaveLength(4000);
    expect(shown.text).toContain(instructions);
  });

  it('/persona set fills the form with a temperature it accepts back, however the option was written', async () => {
    // 0.0000001 prints as "1e-7", which the form would refuse: it shows the value rounded to 0.001.
    const opened = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'set', options: { temperature: 0.0000001 } });
    const inputs = (opened.modal as { components: Array<{ components: Array<{ custom_id: string; value: string }> }> }).components.flatMap((row) => row.components);
    const fields = Object.fromEntries(inputs.map((input) => [input.custom_id, input.value]));
    expect(fields.temperature).toBe('0');
    const saved = harness.discord.submitModal({ interactionId: opened.id, fields });
    const answer = await harness.discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    expect(JSON.stringify(answer.callbacks)).toContain('Persona updated');
  });

  it('/persona set refuses over-long or invalid fields and changes nothing', async () => {
    const opened = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'set' });
    const { id } = harness.discord.submitModal({
      interactionId: opened.id,
      fields: { name: 'Bad', instructions: 'fine', model: 'gpt-4o', temperature: '0x1' },
    });
    const refused = await harness.discord.waitForInteractionResponse(id, (responses) => responses.acknowledged);
    expect(refused.ephemeral).toBe(true);
    expect(JSON.stringify(refused.callbacks)).toContain('Temperature must be a plain number from 0 to 2');
    const invisible = harness.discord.submitModal({
      interactionId: opened.id,
      fields: { name: '\u200b\u200b', instructions: 'fine', model: 'gpt-4o', temperature: '1' },
    });
    const refusedName = await harness.discord.waitForInteractionResponse(invisible.id, (responses) => responses.acknowledged);
    expect(JSON.stringify(refusedName.callbacks)).toContain('name: the name is empty');
    const shown = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'show' });
    expect(shown.text).toContain('Matryoshka');
  });

  it('/memory add and the remember tool keep facts that reach every prompt; forget needs Manage Messages', async () => {
    const added = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'add', options: { fact: 'The release is on Friday.' } });
    expect(added.text).toMatch(/Remembered as fact \*\*#\d+\*\*/);
    const asked = harness.mention('remember: Bob prefers tea', { channelId });
    const reply = await botReplyAfter(asked.id);
    expect(reply.content).toContain('Tool remember returned: Remembered as fact');
    const listed = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'show' });
    expect(listed.text).toContain('The release is on Friday.');
    expect(listed.text).toContain('Bob prefers tea');
    const next = harness.mention('what do you know?', { channelId });
    await botReplyAfter(next.id);
    expect(JSON.stringify(harness.llm.lastRequest()!.messages)).toContain('The release is on Friday.');

    const factId = Number(/#(\d+)/.exec(added.text)![1]);
    const choices = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'memory', subcommand: 'forget', options: { fact: '' }, focused: 'fact' });
    expect(JSON.stringify(choices.choices)).toContain('release');
    const refused = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'forget', options: { fact: factId } });
    expect(refused.text).toContain('Manage Messages');
    const forgotten = await harness.runCommand({ channelId, userId: alice(), name: 'memory', subcommand: 'forget', options: { fact: factId } });
    expect(forgotten.text).toContain(`Forgot fact #${factId}`);
    const unknown = await harness.runCommand({ channelId, userId: alice(), name: 'memory', subcommand: 'forget', options: { fact: factId } });
    expect(unknown.text).toContain('no fact');
  });

  it('/memory add and the remember tool refuse a fact of only invisible characters', async () => {
    const added = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'add', options: { fact: '\u200b\u2060\u200b' } });
    expect(added.text).toContain('The fact is empty (blank or invisible characters only)');
    harness.llm.enqueue({ toolCalls: [{ name: 'remember', arguments: { fact: '\u200b\ufeff' } }] });
    const asked = harness.mention('remember nothing visible', { channelId });
    const reply = await botReplyAfter(asked.id);
    expect(reply.content).toContain('Tool remember returned: Error:');
    expect(reply.content).toContain('the fact is empty (blank or invisible characters only)');
    const listed = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'show' });
    expect(listed.text).toContain('I remember no facts here yet.');
  });

  it('/memory add and /persona keep text with NUL characters and half an emoji, cleaned', async () => {
    const added = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'add', options: { fact: 'nul\u0000here \ud83d' } });
    expect(added.text).toContain('Remembered as fact');
    const listed = await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'show' });
    expect(listed.text).toContain('nulhere \ufffd');
    const opened = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'set' });
    const saved = harness.discord.submitModal({ interactionId: opened.id, fields: { name: 'Nul\u0000Bot', instructions: 'Be kind.\u0000', model: 'gpt-4o-mini', temperature: '' } });
    await harness.discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    const shown = await harness.runCommand({ channelId, userId: bob(), name: 'persona', subcommand: 'show' });
    expect(shown.text).toContain('NulBot');
    await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'reset' });
  });

  it('/reset starts a fresh conversation; /usage counts the tokens', async () => {
    const turns = harness.countTurns();
    const asked = harness.mention('the secret word is pineapple', { channelId });
    await botReplyAfter(asked.id);
    await turns.finished(1);
    const usage = await harness.runCommand({ channelId, userId: bob(), name: 'usage' });
    expect(usage.text).toMatch(/This channel — today: [1-9][\d,]* in · [1-9][\d,]* out/);
    expect(usage.text).toContain('This server');
    const reset = await harness.runCommand({ channelId, userId: alice(), name: 'reset' });
    expect(reset.text).toContain('Fresh start');
    const again = harness.mention('what was the word?', { channelId });
    await botReplyAfter(again.id);
    expect(JSON.stringify(harness.llm.lastRequest()!.messages)).not.toContain('pineapple');
  });

  it('/persona reset restores the default; /reset facts:drop and wipe:true forget for good', async () => {
    const opened = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'set' });
    const saved = harness.discord.submitModal({ interactionId: opened.id, fields: { name: 'Temp', instructions: 'Be temporary.', model: 'gpt-4o-mini', temperature: '' } });
    await harness.discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    const reset = await harness.runCommand({ channelId, userId: alice(), name: 'persona', subcommand: 'reset' });
    expect(reset.text).toContain('Persona reset to the default.');
    expect((await harness.runCommand({ channelId, userId: bob(), name: 'persona', subcommand: 'show' })).text).toContain('Matryoshka');

    await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'add', options: { fact: 'Drop me.' } });
    const dropped = await harness.runCommand({ channelId, userId: alice(), name: 'reset', options: { facts: 'drop' } });
    expect(dropped.text).toContain('Facts dropped.');
    expect((await harness.runCommand({ channelId, userId: bob(), name: 'memory', subcommand: 'show' })).text).toContain('I remember no facts here yet.');

    const said = harness.mention('the vault code is marmalade', { channelId });
    await botReplyAfter(said.id);
    const refused = await harness.runCommand({ channelId, userId: bob(), name: 'reset', options: { wipe: true } });
    expect(refused.text).toContain('Manage Messages');
    const wiped = await harness.runCommand({ channelId, userId: alice(), name: 'reset', options: { wipe: true } });
    expect(wiped.text).toContain('Wiped');
    const asked = harness.mention('recall: marmalade', { channelId });
    const reply = await botReplyAfter(asked.id);
    expect(reply.content).toContain('No earlier messages match');
  });
});
