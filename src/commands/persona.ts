import {
  type APIEmbed,
  ApplicationCommandOptionType,
  type ChatInputCommandInteraction,
  ComponentType,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
  TextInputStyle,
} from 'discord.js';
import { PERSONA_INSTRUCTIONS_MAX, PERSONA_NAME_MAX, parseTemperature } from '../agents/persona.js';
import type { Persona } from '../agents/types.js';
import { refuseInHelperThread } from './helperThread.js';
import { ephemeral, placeOf, requirePermission } from './place.js';
import type { CommandServices, SlashCommand } from './types.js';

const MODAL_ID = 'persona-set';

function personaEmbed(persona: Persona): APIEmbed {
  return {
    title: persona.name,
    description: persona.instructions,
    fields: [
      { name: 'Model', value: persona.model, inline: true },
      { name: 'Temperature', value: persona.temperature === null ? 'provider default' : String(persona.temperature), inline: true },
    ],
  };
}

/**
 * The temperature as the form shows it: at most three decimals, so that it always fits the field
 * (a slash option may carry 0.30000000000000004) and reads back as the plain number it shows.
 */
function temperatureField(temperature: number | null): string {
  return temperature === null ? '' : String(Math.round(temperature * 1000) / 1000);
}

async function showSetModal(interaction: ChatInputCommandInteraction, { channelAgents }: CommandServices): Promise<void> {
  const current = await channelAgents.persona(placeOf(interaction));
  const model = interaction.options.getString('model') ?? current.model;
  const temperature = interaction.options.getNumber('temperature') ?? current.temperature;
  const field = (customId: string, label: string, value: string, options: { style?: TextInputStyle; max: number; required: boolean }) => ({
    type: ComponentType.ActionRow as const,
    components: [
      {
        type: ComponentType.TextInput as const,
        custom_id: customId,
        label,
        style: options.style ?? TextInputStyle.Short,
        value: value.slice(0, options.max),
        max_length: options.max,
        required: options.required,
      },
    ],
  });
  await interaction.showModal({
    custom_id: MODAL_ID,
    title: 'Persona of this channel',
    components: [
      field('name', 'Name', current.name, { max: PERSONA_NAME_MAX, required: true }),
      field('instructions', 'Instructions', current.instructions, { style: TextInputStyle.Paragraph, max: PERSONA_INSTRUCTIONS_MAX, required: true }),
      field('model', 'Model', model, { max: 100, required: true }),
      field('temperature', 'Temperature (0–2, empty = provider default)', temperatureField(temperature), { max: 5, required: false }),
    ],
  });
}

async function savePersona(interaction: ModalSubmitInteraction, { channelAgents }: CommandServices): Promise<void> {
  requirePermission(interaction, PermissionFlagsBits.ManageChannels, 'Manage Channels');
  const fields = interaction.fields;
  const persona = await channelAgents.changePersona(placeOf(interaction), {
    name: fields.getTextInputValue('name'),
    instructions: fields.getTextInputValue('instructions'),
    model: fields.getTextInputValue('model'),
    temperature: parseTemperature(fields.getTextInputValue('temperature')),
  });
  await interaction.reply({ ...ephemeral, content: 'Persona updated: it applies from the next message.', embeds: [personaEmbed(persona)] });
}

/** `/persona show|set|reset`: who this channel's agent is. */
export const personaCommand: SlashCommand = {
  data: {
    name: 'persona',
    description: 'Show or change this channel\'s agent persona',
    options: [
      { type: ApplicationCommandOptionType.Subcommand, name: 'show', description: 'Show the persona of this channel\'s agent' },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'set',
        description: 'Change the persona (opens a form; needs Manage Channels)',
        options: [
          { type: ApplicationCommandOptionType.String, name: 'model', description: 'Model name, e.g. gpt-4o-mini', max_length: 100 },
          { type: ApplicationCommandOptionType.Number, name: 'temperature', description: 'Sampling temperature, 0 to 2', min_value: 0, max_value: 2 },
        ],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: 'reset', description: 'Back to the default persona (needs Manage Channels)' },
    ],
  },
  async execute(interaction, services) {
    await refuseInHelperThread(interaction, services.channelAgents);
    const subcommand = interaction.options.getSubcommand(true);
    if (subcommand === 'show') {
      await interaction.deferReply(ephemeral);
      const persona = await services.channelAgents.persona(placeOf(interaction));
      await interaction.editReply({ embeds: [personaEmbed(persona)], allowedMentions: { parse: [] } });
      return;
    }
    requirePermission(interaction, PermissionFlagsBits.ManageChannels, 'Manage Channels');
    if (subcommand === 'set') {
      await showSetModal(interaction, services);
      return;
    }
    await interaction.deferReply(ephemeral);
    const persona = await services.channelAgents.resetPersona(placeOf(interaction));
    await interaction.editReply({ content: 'Persona reset to the default.', embeds: [personaEmbed(persona)], allowedMentions: { parse: [] } });
  },
  modals: { [MODAL_ID]: savePersona },
};
