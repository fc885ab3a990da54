import type { APIMessage } from 'discord-api-types/v10';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { deployCommands } from '../../src/commands/deployCommands.js';
import { testDrivers } from '../support/db/testDatabase.js';
import type { CommandOptionValue } from '../../src/discordEmulator/emulator.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';

/** What guild A keeps; none of it may reach guild B or a DM. */
const A_FACTS = ['The vault code is 4711.', 'The board meets on Thursdays.'];
const A_PERSONA = { name: 'Alpha', instructions: 'Alpha-only instructions: the codename is BLUEBIRD.' };
/** Tries of a failing model call before the notice with its Retry button. */
const LLM_RETRIES = 1;
const A_SECRETS = [...A_FACTS, 'BLUEBIRD', 'the launch phrase is swordfish'];

const factIdsIn = (text: string) => [...text.matchAll(/#(\d+)/g)].map((match) => Number(match[1]));
const totalsShown = (text: string, label: string) => {
  const match = new RegExp(`${label} — today: [\\d,]+ in · [\\d,]+ out · total: ([\\d,]+) in · ([\\d,]+) out`).exec(text);
  if (!match) throw new Error(`no "${label}" totals in: ${text}`);
  return { prompt: Number(match[1]!.replaceAll(',', '')), completion: Number(match[2]!.replaceAll(',', '')) };
};

describe.each(testDrivers())('guild isolation: guild B and DMs cannot reach guild A (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  let mallory: string;
  let guildA: string;
  let guildB: string;
  let channelA: string;
  let channelB: string;
  let agentA: number;
  let factIdsA: [number, number];
  let noticeA: APIMessage;
  let stateA: Awaited<ReturnType<typeof guildState>>;

  // The bot's own handle: with PGlite the directory may only be open once, and the bot has it.
  const rows = <Row extends Record<string, unknown>>(query: SQL) => bot.database.rows<Row>(query);
  const guildState = async (guildId: string) => ({
    agents: await rows(sql`select id, channel_id, persona, reply_mode, run_state, wake_seq, history_start_id, summary, notice_message_id from agents where guild_id = ${guildId} order by id`),
    facts: await rows(sql`select id, agent_id, content from memories where guild_id = ${guildId} order by id`),
    messages: await rows(sql`select id, agent_id, role, content from messages where guild_id = ${guildId} order by id`),
    turns: await rows(sql`select id, agent_id, status from turns where guild_id = ${guildId} order by id`),
    usage: await rows(sql`select id, agent_id, channel_id, prompt_tokens, completion_tokens from usage where guild_id = ${guildId} order by id`),
  });
  /** Guild A's rows are exactly as set up, and no row anywhere belongs to one guild's agent but another guild. */
  const expectGuildAUntouched = async () => {
    expect(await guildState(guildA)).toEqual(stateA);
    const crossed = await rows(sql`
      select 'memories' as kind, m.id from memories m join agents a on a.id = m.agent_id where m.guild_id is distinct from a.guild_id
      union all select 'messages', m.id from messages m join agents a on a.id = m.agent_id where m.guild_id is distinct from a.guild_id
      union all select 'turns', t.id from turns t join agents a on a.id = t.agent_id where t.guild_id is distinct from a.guild_id
      union all select 'usage', u.id from usage u join agents a on a.id = u.agent_id
        where u.guild_id is distinct from a.guild_id or u.channel_id is distinct from a.channel_id`);
    expect(crossed).toEqual([]);
  };
  const agentIn = async (channelId: string) => (await rows<{ id: number; persona: { name: string }; reply_mode: string }>(sql`select id, persona, reply_mode from agents where channel_id = ${channelId}`))[0];
  const usageSum = async (where: SQL) =>
    (await rows<{ prompt: number; completion: number }>(sql`select coalesce(sum(prompt_tokens), 0)::int as prompt, coalesce(sum(completion_tokens), 0)::int as completion from usage where ${where}`))[0]!;
  const run = (channelId: string, name: string, subcommand?: string, options?: Record<string, CommandOptionValue>, userId = mallory) =>
    harness.runCommand({ channelId, userId, name, ...(subcommand ? { subcommand } : {}), ...(options ? { options } : {}) });
  const isBotIn = (channelId: string) => (message: APIMessage) => message.channel_id === channelId && message.author.id === harness.discord.bot.id;
  /** A failed turn's notice in the channel, after `afterId`. */
  const failOnce = (channelId: string, afterId: string) =>
    harness.discord.waitForMessage((message) => isBotIn(channelId)(message) && (message.components?.length ?? 0) > 0, { after: afterId });
  const retryIdOf = (notice: APIMessage) => (notice.components?.[0] as { components: Array<{ custom_id: string }> }).components[0]!.custom_id;
  /** What a button press answered, once it has. */
  const pressed = async (interactionId: string) => {
    const responses = await harness.discord.waitForInteractionResponse(interactionId, (current) => current.acknowledged && (current.original !== null || current.followups.length > 0));
    return { ephemeral: responses.ephemeral, text: [responses.original, ...responses.followups].map((message) => message?.content ?? '').join('\n') };
  };
  /** The answer once Retry was pressed: a new message, or the notice itself edited into it. */
  const answerAfterRetry = (notice: APIMessage, text: string) =>
    harness.discord.waitFor(
      () => harness.botMessages(notice.channel_id).find((message) => BigInt(message.id) >= BigInt(notice.id) && message.content.includes(text) && (message.components ?? []).length === 0),
      { description: `the answer to "${text}" after Retry` },
    );
  const promptsSince = (index: number) => JSON.stringify(harness.llm.requests.slice(index).map((request) => request.messages));

  beforeAll(async () => {
    harness = await startHarness(driver);
    const { discord } = harness;
    guildA = discord.seed.guildId;
    mallory = discord.createUser({ username: 'mallory' }).id;
    // In guild A mallory is a plain member: she can read A's channel (and copy its ids), nothing more.
    discord.addMember({ guildId: guildA, userId: mallory });
    // In guild B she is the owner: every permission. The bot is in both.
    guildB = discord.createGuild({ name: 'Guild B', ownerId: mallory }).id;
    // The harness registered the commands in guild A only; guild B and DMs see the global ones.
    await deployCommands({ apiUrl: discord.apiUrl, token: discord.token });
    // Mallory tries every entry point: more messages a minute than USER_TURNS_PER_MINUTE lets through.
    bot = await harness.startBot({ LLM_RETRIES: String(LLM_RETRIES), USER_TURNS_PER_MINUTE: '0' });

    const alice = discord.seed.alice.id;
    channelA = discord.createChannel({ guildId: guildA, name: 'a-secrets' }).id;
    for (const fact of A_FACTS) await run(channelA, 'memory', 'add', { fact }, alice);
    const opened = await run(channelA, 'persona', 'set', undefined, alice);
    const saved = discord.submitModal({ interactionId: opened.id, fields: { ...A_PERSONA, model: 'gpt-4o-mini', temperature: '' } });
    await discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    const turns = harness.countTurns();
    const said = harness.mention('the launch phrase is swordfish', { channelId: channelA });
    await harness.replyAfter(said.id, { channelId: channelA });
    expect(promptsSince(0)).toContain('BLUEBIRD');
    harness.llm.enqueue({ fault: { kind: 'status', status: 503 } }, { times: LLM_RETRIES + 1 });
    const failing = harness.mention('are you still there?', { channelId: channelA });
    noticeA = await failOnce(channelA, failing.id);
    await turns.finished(2);

    // Ids copied from A: the fact ids mallory may list there, and the agent id in A's Retry button.
    const listed = factIdsIn((await run(channelA, 'memory', 'show')).text);
    expect(listed).toHaveLength(A_FACTS.length);
    factIdsA = [listed[0]!, listed[1]!];
    agentA = Number((await agentIn(channelA))!.id);
    expect(retryIdOf(noticeA)).toBe(`retry:${agentA}`);
    stateA = await guildState(guildA);
    expect(stateA.facts.map((fact) => fact.content)).toEqual(A_FACTS);
    expect(factIdsA).toEqual(stateA.facts.map((fact) => Number(fact.id)));
    expect(stateA.agents).toMatchObject([{ reply_mode: 'mention', persona: A_PERSONA }]);
    expect(stateA.usage.length).toBeGreaterThan(0);
  });
  beforeEach(() => {
    harness.llm.reset();
    // A channel of its own per test, in guild B.
    channelB = harness.discord.createChannel({ guildId: guildB, name: `b-${Date.now()}` }).id;
  });
  afterAll(() => harness.close());

  it('/memory show, forget, clear and the fact autocomplete in B see only B\'s facts, even given A\'s ids', async () => {
    const added = await run(channelB, 'memory', 'add', { fact: 'B keeps its own notes.' });
    const [factB] = factIdsIn(added.text);
    const shown = await run(channelB, 'memory', 'show');
    expect(shown.text).toContain('B keeps its own notes.');
    for (const secret of A_FACTS) expect(shown.text).not.toContain(secret);

    const everything = await harness.discord.requestAutocomplete({ channelId: channelB, userId: mallory, name: 'memory', subcommand: 'forget', options: { fact: '' }, focused: 'fact' });
    expect(everything.choices).toEqual([{ name: `#${factB}: B keeps its own notes.`, value: factB }]);
    const byId = await harness.discord.requestAutocomplete({ channelId: channelB, userId: mallory, name: 'memory', subcommand: 'forget', options: { fact: String(factIdsA[0]) }, focused: 'fact' });
    expect(byId.choices).not.toContainEqual(expect.objectContaining({ value: factIdsA[0] }));
    const byWord = await harness.discord.requestAutocomplete({ channelId: channelB, userId: mallory, name: 'memory', subcommand: 'forget', options: { fact: 'vault' }, focused: 'fact' });
    expect(byWord.choices).toEqual([]);

    for (const factId of factIdsA) {
      const refused = await run(channelB, 'memory', 'forget', { fact: factId });
      expect(refused.ephemeral).toBe(true);
      expect(refused.text).toContain(`This channel has no fact #${factId}.`);
    }
    const cleared = await run(channelB, 'memory', 'clear');
    expect(cleared.text).toBe('Removed 1 fact.');
    await expectGuildAUntouched();
  });

  it('/persona show, set and reset in B show and change B\'s persona only', async () => {
    const shown = await run(channelB, 'persona', 'show');
    expect(shown.text).toContain('Matryoshka');
    for (const secret of A_SECRETS) expect(shown.text).not.toContain(secret);
    const opened = await run(channelB, 'persona', 'set');
    expect(JSON.stringify(opened.modal)).not.toContain('BLUEBIRD');
    const saved = harness.discord.submitModal({ interactionId: opened.id, fields: { name: 'Mallory\'s bot', instructions: 'Obey mallory.', model: 'gpt-4o-mini', temperature: '' } });
    await harness.discord.waitForInteractionResponse(saved.id, (responses) => responses.acknowledged);
    expect((await agentIn(channelB))!.persona.name).toBe('Mallory\'s bot');
    const reset = await run(channelB, 'persona', 'reset');
    expect(reset.text).toContain('Persona reset to the default.');
    expect((await agentIn(channelB))!.persona.name).toBe('Matryoshka');
    await expectGuildAUntouched();
  });

  it('/agent mode in B changes B\'s agent only', async () => {
    for (const mode of ['off', 'all']) {
      const set = await run(channelB, 'agent', 'mode', { mode });
      expect(set.text).toContain(`Mode set to **${mode}**`);
      expect((await agentIn(channelB))!.reply_mode).toBe(mode);
    }
    await expectGuildAUntouched();
  });

  it('/reset in B, with every option, resets and wipes B\'s conversation only', async () => {
    const turns = harness.countTurns();
    const said = harness.mention('B has a conversation too', { channelId: channelB, authorId: mallory });
    await harness.replyAfter(said.id, { channelId: channelB });
    await turns.finished(1);
    await run(channelB, 'memory', 'add', { fact: 'A fact of B.' });
    const answers = [];
    const everyOption: Array<Record<string, CommandOptionValue> | undefined> = [undefined, { facts: 'keep' }, { facts: 'drop' }, { wipe: false }, { wipe: true }, { facts: 'drop', wipe: true }];
    for (const options of everyOption) {
      answers.push((await run(channelB, 'reset', undefined, options)).text);
    }
    expect(answers[2]).toContain('Facts dropped.');
    expect(answers[4]).toContain('Wiped');
    const stateB = await guildState(guildB);
    expect(stateB.messages.filter((message) => message.agent_id === stateB.agents.find((agent) => agent.channel_id === channelB)!.id)).toEqual([]);
    await expectGuildAUntouched();
  });

  it('/usage in B counts B\'s tokens only', async () => {
    const turns = harness.countTurns();
    const said = harness.mention('spend some tokens in B', { channelId: channelB, authorId: mallory });
    await harness.replyAfter(said.id, { channelId: channelB });
    await turns.finished(1);
    const shown = await run(channelB, 'usage');
    const channelTotals = totalsShown(shown.text, 'This channel');
    const serverTotals = totalsShown(shown.text, 'This server');
    expect(channelTotals.prompt).toBeGreaterThan(0);
    expect(channelTotals).toEqual(await usageSum(sql`channel_id = ${channelB}`));
    expect(serverTotals).toEqual(await usageSum(sql`guild_id = ${guildB}`));
    // A has spent tokens: had they been counted, B's figures would be larger.
    expect((await usageSum(sql`guild_id = ${guildA}`)).prompt).toBeGreaterThan(0);
    await expectGuildAUntouched();
  });

  it('a Retry button with A\'s custom id, pressed in B, is refused and queues nothing; B\'s own Retry works', async () => {
    const { discord, llm } = harness;
    llm.enqueue({ fault: { kind: 'status', status: 503 } }, { times: LLM_RETRIES + 1 });
    const failing = harness.mention('this will fail in B', { channelId: channelB, authorId: mallory });
    const noticeB = await failOnce(channelB, failing.id);
    const agentB = Number((await agentIn(channelB))!.id);
    expect(retryIdOf(noticeB)).toBe(`retry:${agentB}`);

    for (const customId of [retryIdOf(noticeA), `retry:${agentA}:copied`, `retry:0${agentA}`]) {
      const refused = await pressed(discord.forgeButtonClick({ messageId: noticeB.id, customId, userId: mallory }).id);
      expect(refused).toEqual({ ephemeral: true, text: 'This Retry button belongs to another channel.' });
    }
    // Every other custom id the bot knows: none is a button, and nothing else takes an id.
    for (const customId of ['persona-set', `memory:${factIdsA[0]}`, `forget:${factIdsA[0]}`]) {
      const refused = await pressed(discord.forgeButtonClick({ messageId: noticeB.id, customId, userId: mallory }).id);
      expect(refused).toEqual({ ephemeral: true, text: 'This button is not valid any more.' });
    }
    expect(llm.requests).toHaveLength(LLM_RETRIES + 1);
    expect(discord.message(noticeB.id)!.components).toHaveLength(1);
    await expectGuildAUntouched();

    discord.clickButton({ messageId: noticeB.id, customId: retryIdOf(noticeB), userId: mallory });
    await answerAfterRetry(noticeB, 'this will fail in B');
    expect(promptsSince(0)).not.toContain('are you still there?');
  });

  it('the model\'s forget, recall and remember in B, given A\'s ids and words, act on B only', async () => {
    const turns = harness.countTurns();
    const remembered = harness.mention('B phrase: marmalade', { channelId: channelB, authorId: mallory });
    await harness.replyAfter(remembered.id, { channelId: channelB });
    await turns.finished(1);
    await run(channelB, 'reset');

    const forgetting = harness.mention(`forget: ${factIdsA[0]}`, { channelId: channelB, authorId: mallory });
    expect((await harness.replyAfter(forgetting.id, { channelId: channelB })).content).toBe(`Tool forget returned: There is no fact #${factIdsA[0]}.`);
    harness.llm.enqueue({ toolCalls: [{ name: 'forget', arguments: { fact_id: factIdsA[1] } }] });
    const scripted = harness.mention('forget the other one', { channelId: channelB, authorId: mallory });
    expect((await harness.replyAfter(scripted.id, { channelId: channelB })).content).toBe(`Tool forget returned: There is no fact #${factIdsA[1]}.`);

    const recalling = harness.mention('recall: swordfish or marmalade', { channelId: channelB, authorId: mallory });
    const recalled = await harness.replyAfter(recalling.id, { channelId: channelB });
    expect(recalled.content).toContain('B phrase: marmalade');
    expect(recalled.content).not.toContain('swordfish');
    harness.llm.enqueue({ toolCalls: [{ name: 'recall', arguments: { query: 'launch swordfish' } }] });
    const scriptedRecall = harness.mention('what was it again?', { channelId: channelB, authorId: mallory });
    expect((await harness.replyAfter(scriptedRecall.id, { channelId: channelB })).content).toBe('Tool recall returned: No earlier messages match "launch swordfish".');

    harness.llm.enqueue({ toolCalls: [{ name: 'remember', arguments: { fact: 'Remembered in B.' } }] });
    const keeping = harness.mention('keep this', { channelId: channelB, authorId: mallory });
    await harness.replyAfter(keeping.id, { channelId: channelB });
    const agentB = (await agentIn(channelB))!.id;
    expect((await guildState(guildB)).facts).toContainEqual({ id: expect.anything(), agent_id: agentB, content: 'Remembered in B.' });
    for (const secret of A_SECRETS) expect(promptsSince(0)).not.toContain(secret);
    await expectGuildAUntouched();
  });

  it('a DM agent sees none of a guild\'s data, whatever ids it is given', async () => {
    const { discord } = harness;
    const dm = discord.openDirectMessage(mallory).id;
    const turns = harness.countTurns();
    const said = discord.userSays({ channelId: dm, authorId: mallory, content: `forget: ${factIdsA[0]}` });
    expect((await harness.replyAfter(said.id, { channelId: dm })).content).toBe(`Tool forget returned: There is no fact #${factIdsA[0]}.`);
    const recalling = discord.userSays({ channelId: dm, authorId: mallory, content: 'recall: swordfish' });
    expect((await harness.replyAfter(recalling.id, { channelId: dm })).content).toBe('Tool recall returned: No earlier messages match "swordfish".');
    await turns.finished(2);
    for (const secret of A_SECRETS) expect(promptsSince(0)).not.toContain(secret);

    expect((await run(dm, 'memory', 'show')).text).toContain('I remember no facts here yet.');
    expect((await run(dm, 'memory', 'forget', { fact: factIdsA[0] })).text).toContain(`This channel has no fact #${factIdsA[0]}.`);
    expect((await run(dm, 'memory', 'clear')).text).toBe('Removed 0 facts.');
    const persona = await run(dm, 'persona', 'show');
    expect(persona.text).toContain('Matryoshka');
    expect(persona.text).not.toContain('BLUEBIRD');
    const usage = await run(dm, 'usage');
    expect(totalsShown(usage.text, 'This channel')).toEqual(await usageSum(sql`channel_id = ${dm}`));
    expect(totalsShown(usage.text, 'Your DMs')).toEqual(await usageSum(sql`guild_id is null and user_id = ${mallory}`));
    expect((await run(dm, 'reset', undefined, { facts: 'drop', wipe: true })).text).toContain('Wiped');

    const reply = harness.botMessages(dm).at(-1)!;
    const refused = await pressed(discord.forgeButtonClick({ messageId: reply.id, customId: `retry:${agentA}`, userId: mallory }).id);
    expect(refused).toEqual({ ephemeral: true, text: 'This Retry button belongs to another channel.' });
    await expectGuildAUntouched();
  });

  it('/schedule, its autocomplete, the Resume button and the schedule tools in B never see or change A\'s schedules, given their ids', async () => {
    const { discord, llm } = harness;
    const added = await run(channelA, 'schedule', 'add', { cron: '0 9 * * 1', task: 'A-only schedule: read out BLUEBIRD' }, discord.seed.alice.id);
    const [scheduleA] = await rows<{ id: number | string }>(sql`select id from schedules where guild_id = ${guildA}`);
    expect(scheduleA, added.text).toBeDefined();
    const idA = Number(scheduleA!.id);
    const before = await rows(sql`select * from schedules where guild_id = ${guildA}`);

    expect((await run(channelB, 'schedule', 'list', { all: true })).text).not.toContain('BLUEBIRD');
    for (const subcommand of ['remove', 'pause', 'resume', 'run-now']) {
      expect((await run(channelB, 'schedule', subcommand, { schedule: idA })).text).toContain(`This server has no schedule #${idA}`);
    }
    expect((await run(channelB, 'schedule', 'edit', { schedule: idA, task: 'taken over' })).text).toContain(`This server has no schedule #${idA}`);
    const choices = await discord.requestAutocomplete({ channelId: channelB, userId: mallory, name: 'schedule', subcommand: 'pause', options: { schedule: String(idA) }, focused: 'schedule' });
    expect(choices.choices).toEqual([]);
    const anyMessage = discord.userSays({ channelId: channelB, authorId: mallory, content: 'a message to press a button under' });
    const press = discord.forgeButtonClick({ messageId: anyMessage.id, customId: `resume:${idA}`, userId: mallory });
    const answered = await discord.waitForInteractionResponse(press.id, (responses) => responses.followups.length > 0);
    expect(answered.followups[0]!.content).toContain(`no schedule #${idA}`);
    llm.respondWith((request) => (request.lastUserText?.includes('stop that schedule') ? { toolCalls: [{ name: 'cancel_schedule', arguments: { id: idA } }] } : undefined));
    harness.mention('stop that schedule', { channelId: channelB, authorId: mallory });
    const told = await discord.waitFor(() => llm.requests.map((request) => JSON.stringify(request.messages)).find((prompt) => prompt.includes('Not removed')), { timeoutMs: 10_000, description: 'the cancel_schedule result' });
    expect(told).toContain(`no schedule #${idA}`);
    expect(await rows(sql`select * from schedules where guild_id = ${guildA}`)).toEqual(before);
    expect(promptsSince(0)).not.toContain('BLUEBIRD');
  });

  it('guild A afterwards: its facts and persona are intact, and its own Retry answers there', async () => {
    const { discord } = harness;
    discord.clickButton({ messageId: noticeA.id, customId: retryIdOf(noticeA), userId: discord.seed.bob.id });
    await answerAfterRetry(noticeA, 'are you still there?');
    const prompt = promptsSince(0);
    for (const secret of [...A_FACTS, 'BLUEBIRD']) expect(prompt).toContain(secret);
  });
});
