import { type APIMessage, ComponentType, PermissionFlagsBits } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MESSAGE_MAX, fitList, fitMessage } from '../../src/commands/schedule.js';
import { deployCommands } from '../../src/commands/deployCommands.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, type CommandAnswer, startHarness } from '../support/e2e/harness.js';

/*
 * `/schedule` and the Resume button end to end: the emulator, the scripted model (demo brain) and
 * the real bot, started with SCHEDULES_PER_GUILD=2 and the default 300 s minimum interval. Each
 * test has a server of its own (alice owns it, bob is a plain member), so the limit counts only
 * that test's schedules. The schedules here fire weekly or later: only run-now makes them fire.
 */

const TIMESTAMP = /<t:(\d+):F>/g;

/** The instants of a message's `<t:…:F>` timestamps. */
const timestamps = (text: string): Date[] => [...text.matchAll(TIMESTAMP)].map((match) => new Date(Number(match[1]) * 1000));

/** The schedule id a confirmation names ("Created schedule **#12**"). */
function idOf(answer: CommandAnswer): number {
  const match = /schedule \*\*#(\d+)\*\*/.exec(answer.text);
  if (!match) throw new Error(`no schedule id in: ${answer.text}`);
  return Number(match[1]);
}

function buttonIds(message: APIMessage | undefined): string[] {
  return (message?.components ?? []).flatMap((row) =>
    'components' in row ? row.components.flatMap((component) => (component.type === ComponentType.Button && 'custom_id' in component ? [component.custom_id] : [])) : [],
  );
}

describe.each(testDrivers())('/schedule (%s)', (driver) => {
  let harness: BotHarness;
  let guildId: string;
  let channelId: string;

  beforeAll(async () => {
    harness = await startHarness(driver);
    // Global commands too: a test's own server and DMs see only those.
    await deployCommands({ apiUrl: harness.discord.apiUrl, token: harness.discord.token });
    await harness.startBot({ SCHEDULES_PER_GUILD: '2' });
  });
  beforeEach(() => {
    harness.llm.reset();
    const { discord } = harness;
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    guildId = discord.createGuild({ name: `schedules-${stamp}`, ownerId: alice() }).id;
    discord.addMember({ guildId, userId: bob() });
    channelId = discord.createChannel({ guildId, name: 'general' }).id;
  });
  afterAll(() => harness.close());

  const alice = () => harness.discord.seed.alice.id;
  const bob = () => harness.discord.seed.bob.id;
  const schedule = (userId: string, subcommand: string, options: Record<string, string | number | boolean> = {}, where = channelId) =>
    harness.runCommand({ channelId: where, userId, name: 'schedule', subcommand, options });

  /** A refusal: shown to the asker only, and containing each of `parts`. */
  async function refused(answer: Promise<CommandAnswer>, ...parts: string[]): Promise<string> {
    const shown = await answer;
    expect(shown.ephemeral, shown.text).toBe(true);
    for (const part of parts) expect(shown.text).toContain(part);
    return shown.text;
  }

  it('add confirms in the channel: the words, the zone, the next 3 fire times in it and as Discord timestamps, the id; bob may list it', async () => {
    const before = Date.now();
    const role = harness.discord.createRole({ guildId, name: 'digest-readers', permissions: 0n, mentionable: true });
    const added = await schedule(alice(), 'add', { cron: '0 9 * * 1-5', task: 'Post a digest of yesterday\'s discussion.', timezone: 'Europe/Istanbul', mention: role.id });
    expect(added.ephemeral).toBe(false);
    const id = idOf(added);
    expect(added.text).toContain('At 09:00, Monday through Friday');
    expect(added.text).toContain('`0 9 * * 1-5`, Europe/Istanbul');
    expect(added.text).toContain('Task: Post a digest of yesterday\'s discussion.');
    expect(added.text).toContain(`Posts notify and mention <@&${role.id}>`);
    // Istanbul is UTC+3 all year: weekdays at 06:00 UTC, the first within the next four days.
    const fires = timestamps(added.text);
    expect(fires).toHaveLength(3);
    for (const fire of fires) {
      expect(fire.getUTCHours()).toBe(6);
      expect(fire.getUTCMinutes()).toBe(0);
      expect([1, 2, 3, 4, 5]).toContain(fire.getUTCDay());
    }
    expect(fires[0]!.getTime()).toBeGreaterThan(before);
    expect(fires[0]!.getTime()).toBeLessThan(before + 4 * 86_400_000);
    expect(fires[1]!.getTime()).toBeGreaterThan(fires[0]!.getTime());
    expect(added.text.match(/^- \w{3}, \d{1,2} \w{3} \d{4}, 09:00 Europe\/Istanbul — <t:\d+:F>$/gmu)).toHaveLength(3);
    // Announced without pinging anyone: the role is pinged above the posts, not the confirmation.
    expect(harness.discord.pings.filter((ping) => ping.channelId === channelId)).toEqual([]);

    const listed = await schedule(bob(), 'list');
    expect(listed.ephemeral).toBe(true);
    expect(listed.text).toContain(`#${id} · At 09:00, Monday through Friday (Europe/Istanbul)`);
    expect(listed.text).toContain('never fired');
    expect(listed.text).toContain(`next <t:${Math.floor(fires[0]!.getTime() / 1000)}:F>`);
    const elsewhere = harness.discord.createChannel({ guildId, name: 'elsewhere' }).id;
    expect((await schedule(bob(), 'list', {}, elsewhere)).text).toContain('This channel has no schedules yet');
    const all = await schedule(bob(), 'list', { all: true }, elsewhere);
    expect(all.text).toContain(`#${id}`);
    expect(all.text).toContain(`in <#${channelId}>`);
  });

  it('refuses an invalid cron, an unknown zone, a too frequent pattern and a schedule over SCHEDULES_PER_GUILD, each saying why, privately', async () => {
    await refused(schedule(alice(), 'add', { cron: '0 9 * *', task: 'x' }), 'has 4 fields; use 5 (minute hour day month weekday) or 6');
    await refused(schedule(alice(), 'add', { cron: '61 * * * *', task: 'x' }), 'Invalid cron expression "61 * * * *"');
    await refused(schedule(alice(), 'add', { cron: '0 9 * * *', task: 'x', timezone: 'Mars/Olympus' }), 'Unknown time zone "Mars/Olympus"');
    await refused(schedule(alice(), 'add', { cron: '0 9 * * *', task: 'x', timezone: 'europe/london' }), 'Unknown time zone "europe/london"', 'Europe/London');
    await refused(schedule(alice(), 'add', { cron: '*/1 * * * *', task: 'x' }), 'SCHEDULE_MIN_INTERVAL_SECONDS');
    await refused(schedule(alice(), 'add', { cron: '* * * * * *', task: 'x' }), 'SCHEDULE_MIN_INTERVAL_SECONDS');
    await refused(schedule(alice(), 'add', { cron: '0 9 * * *', task: '\u200b \u2060' }), 'The task is empty');
    await refused(schedule(alice(), 'add', { cron: '0 9 * * *', task: 'x', helper: 'wizard' }), 'There is no helper called "wizard"');
    await refused(schedule(alice(), 'add', { cron: '0 9 * * *', task: 'x', mention: guildId }), 'cannot mention @everyone');
    const role = harness.discord.createRole({ guildId, name: 'pinged', permissions: 0n });
    await refused(schedule(alice(), 'add', { cron: '0 9 * * *', task: 'x', mention: role.id, notify: false }), 'A mention always notifies');
    expect((await schedule(bob(), 'list', { all: true })).text).toContain('This server has no schedules yet');

    await schedule(alice(), 'add', { cron: '0 9 * * 1', task: 'First.' });
    await schedule(alice(), 'add', { cron: '0 9 * * 2', task: 'Second.' });
    await refused(schedule(alice(), 'add', { cron: '0 9 * * 3', task: 'Third.' }), 'SCHEDULES_PER_GUILD = 2', 'remove one first');
    expect((await schedule(bob(), 'list')).text).toContain('(2/2 in the server)');
  });

  it('a 2,000-character task is confirmed within one message, its task cut and the fire times whole', async () => {
    const task = `${'Summarise every thread. '.repeat(90)}THE END`.slice(-2000);
    expect(task).toHaveLength(2000);
    const added = await schedule(alice(), 'add', { cron: '0 9 * * 1', task });
    expect(added.text.length).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(added.text).toContain('Task: Summarise every thread.');
    expect(added.text).toContain('…');
    expect(timestamps(added.text)).toHaveLength(3);
  });

  it('a member without Manage Channels may list but not change; Manage Server sets the zone that add then uses', async () => {
    const added = await schedule(alice(), 'add', { cron: '30 8 * * 1', task: 'Plan the week.' });
    const id = idOf(added);
    for (const [subcommand, options] of [
      ['add', { cron: '0 9 * * *', task: 'Mine.' }],
      ['edit', { schedule: id, task: 'Mine now.' }],
      ['remove', { schedule: id }],
      ['pause', { schedule: id }],
      ['resume', { schedule: id }],
      ['run-now', { schedule: id }],
    ] as const) {
      await refused(schedule(bob(), subcommand, options), 'needs the Manage Channels permission', `<@${bob()}>`);
    }
    expect((await schedule(bob(), 'list')).text).toContain(`#${id} · At 08:30, only on Monday (UTC)`);
    expect(added.text).toContain('UTC');

    await refused(schedule(bob(), 'timezone', { zone: 'Europe/Istanbul' }), 'Manage Server');
    await refused(schedule(alice(), 'timezone', { zone: 'Atlantis/Deep' }), 'Unknown time zone "Atlantis/Deep"');
    const set = await schedule(alice(), 'timezone', { zone: 'America/New_York' });
    expect(set.ephemeral).toBe(true);
    expect(set.text).toContain('now use America/New_York');
    await schedule(alice(), 'remove', { schedule: id });
    const zoned = await schedule(alice(), 'add', { cron: '0 9 * * *', task: 'Morning check.' });
    expect(zoned.text).toContain('`0 9 * * *`, America/New_York');
    expect(zoned.text).toMatch(/, 09:00 America\/New_York — <t:\d+:F>/);
    // 09:00 in New York is 13:00 or 14:00 UTC, whichever daylight saving says.
    for (const fire of timestamps(zoned.text)) expect([13, 14]).toContain(fire.getUTCHours());
  });

  it('edit keeps the id and shows the new next fire time; pause, resume and remove; the schedule option autocompletes in words', async () => {
    const added = await schedule(alice(), 'add', { cron: '0 9 * * 1', task: 'Check what changed in the API.', timezone: 'Europe/London' });
    const id = idOf(added);

    const choices = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'schedule', subcommand: 'pause', options: { schedule: 'api' }, focused: 'schedule' });
    expect(choices.choices).toEqual([{ name: `#${id} · At 09:00, only on Monday (Europe/London) — Check what changed in the API.`, value: id }]);
    const none = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'schedule', subcommand: 'pause', options: { schedule: 'nothing like it' }, focused: 'schedule' });
    expect(none.choices).toEqual([]);

    await refused(schedule(alice(), 'edit', { schedule: id }), 'Nothing to change');
    await refused(schedule(alice(), 'edit', { schedule: id, cron: '*/2 * * * *' }), 'SCHEDULE_MIN_INTERVAL_SECONDS');
    await refused(schedule(alice(), 'edit', { schedule: id + 1000, task: 'Nope.' }), `This server has no schedule #${id + 1000}`);
    const edited = await schedule(alice(), 'edit', { schedule: id, cron: '0 17 * * 5', task: 'Sum up the week.', helper: 'researcher' });
    expect(edited.ephemeral).toBe(false);
    expect(edited.text).toContain(`Changed schedule **#${id}**: At 17:00, only on Friday`);
    expect(edited.text).toContain('Europe/London), as the researcher helper');
    expect(edited.text).toContain('Task: Sum up the week.');
    const fires = timestamps(edited.text);
    expect(fires).toHaveLength(3);
    for (const fire of fires) expect(fire.getUTCDay()).toBe(5);
    expect(edited.text).toMatch(/- Fri, \d{1,2} \w{3} \d{4}, 17:00 Europe\/London — <t:\d+:F>/);
    const listed = await schedule(bob(), 'list');
    expect(listed.text).toContain(`#${id} · At 17:00, only on Friday (Europe/London) · researcher`);
    expect(listed.text).toContain(`next <t:${Math.floor(fires[0]!.getTime() / 1000)}:F>`);
    const unhelped = await schedule(alice(), 'edit', { schedule: id, helper: 'none' });
    expect(unhelped.text).not.toContain('as the researcher helper');

    const paused = await schedule(alice(), 'pause', { schedule: id });
    expect(paused.ephemeral).toBe(false);
    expect(paused.text).toContain(`Paused schedule #${id}`);
    expect((await schedule(bob(), 'list')).text).toContain(`⏸️ paused: paused by <@${alice()}>`);
    expect((await schedule(alice(), 'pause', { schedule: id })).text).toContain('is paused already');
    const resumed = await schedule(alice(), 'resume', { schedule: id });
    expect(resumed.text).toContain(`Resumed schedule #${id}`);
    expect(timestamps(resumed.text)).toHaveLength(1);
    expect((await schedule(bob(), 'list')).text).not.toContain('paused');

    const removed = await schedule(alice(), 'remove', { schedule: id });
    expect(removed.text).toContain(`Removed schedule #${id}`);
    expect((await schedule(bob(), 'list')).text).toContain('This channel has no schedules yet');
    await refused(schedule(alice(), 'remove', { schedule: id }), `This server has no schedule #${id}`);
  });

  it('run-now makes the channel\'s agent do the task here, and the next fire time stays', async () => {
    const added = await schedule(alice(), 'add', { cron: '0 9 1 1 *', task: 'Wish everyone a happy new year.' });
    const id = idOf(added);
    const ran = await schedule(alice(), 'run-now', { schedule: id });
    expect(ran.ephemeral).toBe(true);
    expect(ran.text).toContain(`Running schedule #${id} · At 09:00, on day 1 of the month, only in January (UTC) now; its next fire time stays as it was.`);
    const answer = await harness.discord.waitForMessage(
      (message) => message.channel_id === channelId && message.author.id === harness.discord.bot.id && message.content.startsWith('Echo: ') && message.content.includes(`⏰ Scheduled task #${id} (fire time`) && message.content.includes('Wish everyone a happy new year.'),
      { timeoutMs: 10_000 },
    );
    expect(answer.content).toContain(`created by <@${alice()}>`);
    const listed = await schedule(bob(), 'list');
    expect(listed.text).toContain(`next <t:${Math.floor(timestamps(added.text)[0]!.getTime() / 1000)}:F>`);
    await harness.discord.waitFor(async () => !(await schedule(bob(), 'list')).text.includes('never fired') || undefined, { timeoutMs: 5000, description: 'the run recorded' });
  });

  it('the Resume button under a paused schedule\'s notice: refused for bob, resumes for alice and leaves the notice without it', async () => {
    const { discord } = harness;
    const carol = discord.createUser({ username: `carol-${Date.now()}` });
    const managers = discord.createRole({ guildId, name: 'managers', permissions: PermissionFlagsBits.ManageChannels });
    discord.addMember({ guildId, userId: carol.id, roleIds: [managers.id] });
    const id = idOf(await schedule(carol.id, 'add', { cron: '0 12 * * 0', task: 'Water the plants.' }));
    // Carol loses Manage Channels here: the firing run-now starts finds out, pauses and tells the channel.
    discord.setChannelPermissions(channelId, [{ id: carol.id, type: 'member', deny: PermissionFlagsBits.ManageChannels }]);
    await refused(schedule(carol.id, 'pause', { schedule: id }), 'needs the Manage Channels permission');
    await schedule(alice(), 'run-now', { schedule: id });
    const notice = await discord.waitForMessage((message) => message.channel_id === channelId && message.content.startsWith(`⏸️ Schedule #${id} is paused`), { timeoutMs: 10_000 });
    expect(buttonIds(notice)).toEqual([`resume:${id}`]);

    const byBob = discord.clickButton({ messageId: notice.id, customId: `resume:${id}`, userId: bob() });
    const bobs = await discord.waitForInteractionResponse(byBob.id, (responses) => responses.followups.length > 0);
    expect(bobs.followups[0]!.content).toContain('needs the Manage Channels permission');
    expect(bobs.followups[0]!.flags! & 64).toBe(64);
    expect(buttonIds(discord.message(notice.id))).toEqual([`resume:${id}`]);

    const byAlice = discord.clickButton({ messageId: notice.id, customId: `resume:${id}`, userId: alice() });
    const alices = await discord.waitForInteractionResponse(byAlice.id, (responses) => responses.followups.length > 0);
    expect(alices.followups[0]!.content).toContain(`Resumed schedule #${id}`);
    expect(alices.followups[0]!.flags! & 64).toBe(64);
    const after = discord.message(notice.id)!;
    expect(buttonIds(after)).toEqual([]);
    expect(after.content).toContain(`▶️ Resumed by <@${alice()}>.`);
    expect((await schedule(bob(), 'list')).text).not.toContain('⏸️');

    // A forged id of another server's schedule is not found here.
    const forged = discord.forgeButtonClick({ messageId: notice.id, customId: 'resume:999999', userId: alice() });
    const forgedAnswer = await discord.waitForInteractionResponse(forged.id, (responses) => responses.followups.length > 0);
    expect(forgedAnswer.followups[0]!.content).toContain('This server has no schedule #999999');
  });

  it('a schedule of another channel needs Manage Channels in that channel', async () => {
    const { discord } = harness;
    const dave = discord.createUser({ username: `dave-${Date.now()}` });
    const managers = discord.createRole({ guildId, name: 'managers', permissions: PermissionFlagsBits.ManageChannels });
    discord.addMember({ guildId, userId: dave.id, roleIds: [managers.id] });
    const locked = discord.createChannel({ guildId, name: 'locked', permissionOverwrites: [{ id: dave.id, type: 'member', deny: PermissionFlagsBits.ManageChannels }] }).id;
    const id = idOf(await schedule(alice(), 'add', { cron: '0 9 * * 1', task: 'Locked away.' }, locked));
    await refused(schedule(dave.id, 'remove', { schedule: id }), `in <#${locked}>, the schedule's channel`);
    expect((await schedule(bob(), 'list', {}, locked)).text).toContain(`#${id}`);
  });

  it('timezone and helper options autocomplete', async () => {
    const zones = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'schedule', subcommand: 'add', options: { cron: '0 9 * * *', task: 'x', timezone: 'istan' }, focused: 'timezone' });
    expect(zones.choices).toEqual([{ name: expect.stringMatching(/^Europe\/Istanbul — now \d\d:\d\d GMT\+3$/), value: 'Europe/Istanbul' }]);
    const york = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'schedule', subcommand: 'timezone', options: { zone: 'new york' }, focused: 'zone' });
    expect(york.choices.map((choice) => (choice as { value: string }).value)).toEqual(['America/New_York']);
    const empty = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'schedule', subcommand: 'timezone', options: { zone: '' }, focused: 'zone' });
    expect(empty.choices).toHaveLength(25);
    expect((empty.choices[0] as { value: string }).value).toBe('UTC');
    const helpers = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'schedule', subcommand: 'add', options: { cron: '0 9 * * *', task: 'x', helper: '' }, focused: 'helper' });
    const names = helpers.choices.map((choice) => (choice as { value: string }).value);
    expect(names).toContain('researcher');
    expect(names).not.toContain('none');
    const editing = await harness.discord.requestAutocomplete({ channelId, userId: alice(), name: 'schedule', subcommand: 'edit', options: { schedule: 1, helper: '' }, focused: 'helper' });
    expect(editing.choices.map((choice) => (choice as { value: string }).value)[0]).toBe('none');
  });

  it('refuses in a DM and in a helper\'s thread', async () => {
    const dm = harness.discord.openDirectMessage(alice());
    await refused(schedule(alice(), 'list', {}, dm.id), 'Schedules live in server channels');
    const started = await harness.runCommand({ channelId, userId: alice(), name: 'spawn', options: { task: 'Look around.' } });
    const threadId = /<#(\d+)>/.exec(started.text)?.[1] ?? (await harness.discord.waitForThread((thread) => thread.parent_id === channelId)).id;
    await harness.discord.waitFor(async () => (await schedule(alice(), 'list', {}, threadId)).text.includes('belongs to the') || undefined, { timeoutMs: 5000, description: 'the helper thread known' });
    const text = await refused(schedule(alice(), 'add', { cron: '0 9 * * 1', task: 'In the thread.' }, threadId), 'This thread belongs to the **');
    expect(text).toContain(`schedules belong to the channel's agent: manage them with /schedule from <#${channelId}>`);
  });
});

describe('/schedule output fits a Discord message', () => {
  it('a long list keeps whole schedules and says how many are left out', () => {
    const entries = Array.from({ length: 25 }, (_, index) => `**#${index + 1} · At 09:00, only on Monday (Europe/Istanbul)** — next <t:1800000000:F> — never fired\n  ${'Task text '.repeat(12)}`);
    const text = `Schedules of this server (25/25 in the server):\n${entries.join('\n')}`;
    expect(text.length).toBeGreaterThan(MESSAGE_MAX);
    const fitted = fitList(text);
    expect(fitted.length).toBeLessThanOrEqual(MESSAGE_MAX);
    const shown = fitted.match(/^\*\*#\d+ /gmu)!.length;
    expect(shown).toBeGreaterThan(5);
    expect(fitted).toContain(`…and ${25 - shown} more not shown`);
    expect(fitted.split('\n').at(-2)).toMatch(/^ {2}(Task text )+$/u);
    expect(fitList('short')).toBe('short');
    expect(fitMessage(`a\n${'b'.repeat(3000)}\nc`)).toMatch(/^a\nb+…\nc$/u);
    expect(fitMessage(`a\n${'b'.repeat(3000)}\nc`)).toHaveLength(MESSAGE_MAX);
  });
});
