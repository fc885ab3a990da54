import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { truncate } from '../agents/promptMessages.js';
import { FACT_MAX_CHARACTERS } from '../agents/tools/remember.js';
import { factsPage } from './memoryPages.js';
import { ephemeral, placeOf, requirePermission } from './place.js';
import type { SlashCommand } from './types.js';

/** Discord shows at most 25 autocomplete choices. */
const CHOICES_MAX = 25;

/** `/memory show|add|forget|clear`: the facts this channel's agent keeps. */
export const memoryCommand: SlashCommand = {
  data: {
    name: 'memory',
    description: 'The facts this channel\'s agent remembers',
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'show',
        description: 'List the facts',
        options: [{ type: ApplicationCommandOptionType.Integer, name: 'page', description: 'Which page (default: the first)', min_value: 1 }],
      },
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
    if (subcommand === 'show') {
      const agent = await channelAgents.agentFor(place);
      const page = factsPage(await channelAgents.facts(place), agent.id, interaction.options.getInteger('page') ?? 1);
      await interaction.editReply({ ...page, allowedMentions: { parse: [] } });
      return;
    }
    let content: string;
    if (subcommand === 'add') {
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
    const matching = facts.filter((fact) => `${fact.id} ${fact.content}`.toLowerCase().includes(typed));
    // More than Discord shows: the newest, and a last line saying how many are left out and how to reach them.
    const shown = matching.length > CHOICES_MAX ? matching.slice(-(CHOICES_MAX - 1)) : matching;
    const choices = shown.map((fact) => ({ name: truncate(`#${fact.id}: ${fact.content}`, 100), value: fact.id }));
    const hidden = matching.length - shown.length;
    if (hidden > 0) choices.push({ name: `… ${hidden} older match${hidden === 1 ? '' : 'es'} not listed: type part of the fact or its number`, value: 0 });
    await interaction.respond(choices);
  },
};
