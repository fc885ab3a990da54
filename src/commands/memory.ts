import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { truncate } from '../agents/promptMessages.js';
import { FACT_MAX_CHARACTERS } from '../agents/tools/remember.js';
import { ephemeral, placeOf, requirePermission } from './place.js';
import type { SlashCommand } from './types.js';

/** Discord's limit on a message's content, less room for the heading. */
const LIST_MAX_CHARACTERS = 1900;

/** `/memory show|add|forget|clear`: the facts this channel's agent keeps. */
export const memoryCommand: SlashCommand = {
  data: {
    name: 'memory',
    description: 'The facts this channel\'s agent remembers',
    options: [
      { type: ApplicationCommandOptionType.Subcommand, name: 'show', description: 'List the facts' },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'add',
        description: 'Add a fact',
        options: [
          { type: ApplicationCommandOptionType.String, name: 'fact', description: 'What to remember', required: true, max_length: FACT_MAX_CHARACTERS },
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'forget',
        description: 'Remove a fact (needs Manage Messages)',
        options: [
          { type: ApplicationCommandOptionType.Integer, name: 'fact', description: 'The fact to remove', required: true, autocomplete: true, min_value: 1 },
        ],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: 'clear', description: 'Remove every fact (needs Manage Messages)' },
    ],
  },
  async execute(interaction, { channelAgents }) {
    const subcommand = interaction.options.getSubcommand(true);
    const place = placeOf(interaction);
    if (subcommand === 'forget' || subcommand === 'clear') {
      requirePermission(interaction, PermissionFlagsBits.ManageMessages, 'Manage Messages');
    }
    await interaction.deferReply(ephemeral);
    let content: string;
    if (subcommand === 'show') {
      const facts = await channelAgents.facts(place);
      const lines = facts.map((fact) => `**#${fact.id}** ${fact.content}`);
      content = facts.length === 0 ? 'I remember no facts here yet. Add one with /memory add.' : truncate(`**Facts (${facts.length})**\n${lines.join('\n')}`, LIST_MAX_CHARACTERS);
    } else if (subcommand === 'add') {
      const fact = await channelAgents.addFact(place, interaction.options.getString('fact', true));
      content = `Remembered as fact **#${fact.id}**.`;
    } else if (subcommand === 'forget') {
      const factId = interaction.options.getInteger('fact', true);
      await channelAgents.forgetFact(place, factId);
      content = `Forgot fact #${factId}.`;
    } else {
      const removed = await channelAgents.clearFacts(place);
      content = `Removed ${removed} fact${removed === 1 ? '' : 's'}.`;
    }
    await interaction.editReply({ content, allowedMentions: { parse: [] } });
  },
  async autocomplete(interaction, { channelAgents }) {
    const typed = String(interaction.options.getFocused()).toLowerCase();
    const facts = await channelAgents.facts(placeOf(interaction));
    const choices = facts
      .filter((fact) => `${fact.id} ${fact.content}`.toLowerCase().includes(typed))
      .slice(-25)
      .map((fact) => ({ name: truncate(`#${fact.id}: ${fact.content}`, 100), value: fact.id }));
    await interaction.respond(choices);
  },
};
