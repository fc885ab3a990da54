import {
  ActionRowBuilder,
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  StringSelectMenuBuilder,
  ButtonBuilder,
  ButtonStyle,
  Events,
  MessageFlags,
  ModalBuilder,
  SlashCommandBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let harness: Harness;
/** What the bot's handlers observed or failed with, by interaction id. */
const observed = new Map<string, unknown>();

const commands = [
  new SlashCommandBuilder()
    .setName('persona')
    .setDescription('Persona settings')
    .addSubcommand((sub) =>
      sub
        .setName('show')
        .setDescription('Show the persona')
        .addStringOption((option) => option.setName('detail').setDescription('How much').setRequired(true).addChoices({ name: 'brief', value: 'brief' }, { name: 'full', value: 'full' }))
        .addUserOption((option) => option.setName('about').setDescription('Whose view'))
        .addIntegerOption((option) => option.setName('count').setDescription('How many')),
    ),
  new SlashCommandBuilder().setName('remember').setDescription('Save a fact').addStringOption((option) => option.setName('fact').setDescription('The fact').setRequired(true).setAutocomplete(true)),
  new SlashCommandBuilder().setName('slow').setDescription('Answers too late'),
  new SlashCommandBuilder().setName('twice').setDescription('Acknowledges twice'),
  new SlashCommandBuilder().setName('panel').setDescription('Posts buttons'),
].map((builder) => builder.toJSON());
const contextMenu = new ContextMenuCommandBuilder().setName('Quote message').setType(ApplicationCommandType.Message).toJSON();

async function handle(interaction: Interaction): Promise<void> {
  if (interaction.isAutocomplete()) {
    const typed = interaction.options.getFocused();
    await interaction.respond([{ name: `${typed}!`, value: `${typed}-1` }]);
    return;
  }
  if (interaction.isChatInputCommand()) {
    switch (interaction.commandName) {
      case 'persona': {
        observed.set(interaction.id, {
          subcommand: interaction.options.getSubcommand(),
          detail: interaction.options.getString('detail'),
          about: interaction.options.getUser('about')?.username,
          count: interaction.options.getInteger('count'),
          channelId: interaction.channelId,
          canManageGuild: interaction.memberPermissions?.has('ManageGuild'),
        });
        await interaction.deferReply();
        await interaction.editReply('persona: Matryoshka');
        await interaction.followUp({ content: 'only for you', flags: MessageFlags.Ephemeral });
        return;
      }
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, 120));
        await interaction.reply('late').catch((error: unknown) => observed.set(interaction.id, error));
        return;
      case 'twice':
        await interaction.reply('first');
        await interaction.client.rest
          .post(`/interactions/${interaction.id}/${interaction.token}/callback`, { body: { type: 4, data: { content: 'second' } }, auth: false })
          .catch((error: unknown) => observed.set(interaction.id, error));
        return;
      case 'panel': {
        const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('retry').setLabel('Retry').setStyle(ButtonStyle.Primary),
          new ButtonBuilder().setCustomId('done').setLabel('Done').setStyle(ButtonStyle.Secondary),
        );
        const select = new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
          new StringSelectMenuBuilder().setCustomId('pick').addOptions({ label: 'Tea', value: 'tea' }, { label: 'Coffee', value: 'coffee' }),
        );
        const response = await interaction.reply({ content: 'panel', components: [buttons, select], withResponse: true });
        observed.set(interaction.id, response.resource?.message?.id);
        return;
      }
    }
  }
  if (interaction.isMessageContextMenuCommand()) {
    await interaction.reply(`> ${interaction.targetMessage.content}`);
    return;
  }
  if (interaction.isStringSelectMenu()) {
    await interaction.deferUpdate();
    await interaction.editReply({ content: `picked ${interaction.values.join(', ')}` });
    return;
  }
  if (interaction.isButton() && interaction.customId === 'done') {
    await interaction.update({ content: 'closed', components: [] });
    return;
  }
  if (interaction.isButton()) {
    const modal = new ModalBuilder()
      .setCustomId('feedback')
      .setTitle('Feedback')
      .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(new TextInputBuilder().setCustomId('text').setLabel('Text').setStyle(TextInputStyle.Short)));
    await interaction.showModal(modal);
    return;
  }
  if (interaction.isModalSubmit()) {
    const response = await interaction.reply({ content: `thanks: ${interaction.fields.getTextInputValue('text')}`, withResponse: true });
    observed.set(interaction.id, response.interaction.responseMessageId);
  }
}

beforeAll(async () => {
  harness = await startHarness({ timings: { interactionDeadlineMs: 1_500 } });
  await harness.client.application.commands.set([...commands, contextMenu], harness.discord.seed.guildId);
  harness.client.on(Events.InteractionCreate, (interaction) => void handle(interaction));
});
afterAll(async () => {
  await harness.close();
});

describe('application commands', () => {
  test('registrations are recorded per scope; a bulk overwrite keeps ids of unchanged names', async () => {
    const { discord, client } = harness;
    const guildCommands = discord.commands().filter((command) => command.guild_id === discord.seed.guildId);
    expect(guildCommands.map((command) => command.name).sort()).toEqual(['Quote message', 'panel', 'persona', 'remember', 'slow', 'twice']);
    const global = await client.application.commands.set([{ name: 'usage', description: 'Usage' }]);
    const again = await client.application.commands.set([{ name: 'usage', description: 'Usage, reworded' }]);
    expect(again.first()?.id).toBe(global.first()?.id);
    expect(discord.commands().filter((command) => command.guild_id === undefined).map((command) => command.description)).toEqual(['Usage, reworded']);
  });

  test('invalid command definitions get 50035', async () => {
    const bad = harness.client.rest.put(`/applications/${harness.discord.bot.id}/commands`, { body: [{ name: 'Bad Name', description: 'x' }] });
    await expect(bad).rejects.toThrow(/0\.name\[APPLICATION_COMMAND_INVALID_NAME\]/);
  });
});

describe('interactions', () => {
  test('a slash command with options is answered with deferReply, editReply and an ephemeral followUp', async () => {
    const { discord } = harness;
    const { id } = discord.invokeCommand({
      channelId: discord.seed.generalId,
      userId: discord.seed.alice.id,
      name: 'persona',
      subcommand: 'show',
      options: { detail: 'full', about: discord.seed.bob.id, count: 3 },
    });
    const responses = await discord.waitForInteractionResponse(id, (current) => current.followups.length === 1);
    expect(observed.get(id)).toEqual({ subcommand: 'show', detail: 'full', about: 'bob', count: 3, channelId: discord.seed.generalId, canManageGuild: true });
    expect(responses.deferred).toBe(true);
    expect(responses.original).toMatchObject({ content: 'persona: Matryoshka', type: 20, interaction_metadata: { id } });
    expect(responses.ephemeral).toBe(false);
    expect(responses.followups[0]).toMatchObject({ content: 'only for you', flags: MessageFlags.Ephemeral });
    const visible = discord.channelMessages(discord.seed.generalId).map((message) => message.content);
    expect(visible).toContain('persona: Matryoshka');
    expect(visible).not.toContain('only for you');
  });

  test('invoking a command that is not registered, or without a required option, throws in the test', () => {
    const { discord } = harness;
    expect(() => discord.invokeCommand({ channelId: discord.seed.generalId, userId: discord.seed.bob.id, name: 'nope' })).toThrow(/No command "nope"/);
    expect(() => discord.invokeCommand({ channelId: discord.seed.generalId, userId: discord.seed.bob.id, name: 'persona', subcommand: 'show' })).toThrow(/requires option "detail"/);
  });

  test('an interaction answered after the deadline gets 10062', async () => {
    const { discord } = harness;
    discord.setTimings({ interactionDeadlineMs: 50 });
    try {
      const { id } = discord.invokeCommand({ channelId: discord.seed.generalId, userId: discord.seed.bob.id, name: 'slow' });
      const error = await discord.waitFor(() => observed.get(id));
      expect(error).toMatchObject({ code: 10062, status: 404 });
      expect(discord.interactionResponses(id).acknowledged).toBe(false);
    } finally {
      discord.setTimings({ interactionDeadlineMs: 1_500 });
    }
  });

  test('a second acknowledgement gets 40060', async () => {
    const { discord } = harness;
    const { id } = discord.invokeCommand({ channelId: discord.seed.generalId, userId: discord.seed.bob.id, name: 'twice' });
    expect(await discord.waitFor(() => observed.get(id))).toMatchObject({ code: 40060, status: 400 });
    expect(discord.interactionResponses(id).callbacks).toHaveLength(1);
  });

  test('autocomplete returns the bot’s choices', async () => {
    const { discord } = harness;
    const { choices } = await discord.requestAutocomplete({ channelId: discord.seed.generalId, userId: discord.seed.bob.id, name: 'remember', options: { fact: 'tea' }, focused: 'fact' });
    expect(choices).toEqual([{ name: 'tea!', value: 'tea-1' }]);
  });

  test('a button opens a modal; submitting it gets a reply (with_response)', async () => {
    const { discord } = harness;
    const panel = discord.invokeCommand({ channelId: discord.seed.generalId, userId: discord.seed.alice.id, name: 'panel' });
    const messageId = await discord.waitFor(() => observed.get(panel.id) as string | undefined);
    expect(discord.message(messageId)?.components).toHaveLength(2);
    const click = discord.clickButton({ messageId, customId: 'retry', userId: discord.seed.bob.id });
    const shown = await discord.waitForInteractionResponse(click.id);
    expect(shown.callbacks[0]?.type).toBe(9);
    const submit = discord.submitModal({ interactionId: click.id, fields: { text: 'great bot' } });
    const answered = await discord.waitForInteractionResponse(submit.id);
    expect(answered.original?.content).toBe('thanks: great bot');
    expect(await discord.waitFor(() => observed.get(submit.id))).toBe(answered.original?.id);
    expect(() => discord.clickButton({ messageId, customId: 'missing', userId: discord.seed.bob.id })).toThrow(/no component/);
  });

  test('a select menu is answered with deferUpdate + editReply; a button with update (type 7)', async () => {
    const { discord } = harness;
    const panel = discord.invokeCommand({ channelId: discord.seed.generalId, userId: discord.seed.alice.id, name: 'panel' });
    const messageId = await discord.waitFor(() => observed.get(panel.id) as string | undefined);
    const pick = discord.selectOptions({ messageId, customId: 'pick', userId: discord.seed.bob.id, values: ['coffee'] });
    await discord.waitForMessage((message) => message.id === messageId && message.content === 'picked coffee', { edited: true });
    expect(discord.interactionResponses(pick.id)).toMatchObject({ deferred: true, original: { id: messageId } });
    const done = discord.clickButton({ messageId, customId: 'done', userId: discord.seed.bob.id });
    const closed = await discord.waitForMessage((message) => message.id === messageId && message.content === 'closed');
    expect(closed.components).toEqual([]);
    expect(discord.interactionResponses(done.id).callbacks.map((callback) => callback.type)).toEqual([7]);
  });

  test('a message context-menu command receives its target', async () => {
    const { discord } = harness;
    const target = discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.bob.id, content: 'quotable' });
    const { id } = discord.invokeContextMenuCommand({ channelId: discord.seed.generalId, userId: discord.seed.alice.id, name: 'Quote message', targetId: target.id });
    const responses = await discord.waitForInteractionResponse(id);
    expect(responses.original).toMatchObject({ content: '> quotable', type: 23 });
  });
});
