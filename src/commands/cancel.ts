import { ApplicationCommandOptionType, type BaseInteraction, PermissionFlagsBits } from 'discord.js';
import { type AppError, userError } from '../agents/errors.js';
import type { HelperView } from '../agents/ports.js';
import { truncate } from '../agents/promptMessages.js';
import { ephemeral } from './place.js';
import type { SlashCommand } from './types.js';

/** Discord shows at most 25 autocomplete choices, each named in at most 100 characters. */
const CHOICES_MAX = 25;
const CHOICE_NAME_MAX = 100;

/** Whether this person may cancel the helper: the person behind its tree, or a moderator (Manage Messages). */
export function mayCancel(interaction: BaseInteraction, helper: HelperView): boolean {
  return helper.actsFor === interaction.user.id || interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) === true;
}

/** The refusal for someone who may not cancel this helper, naming who may. */
export function cancelRefusal(helper: HelperView): AppError {
  const owner = helper.actsFor ? `<@${helper.actsFor}>, who started its tree, or ` : '';
  return userError('missing_permission', `Only ${owner}someone with the **Manage Messages** permission can cancel the **${helper.name}** helper.`);
}

const plural = (count: number) => `${count} helper${count === 1 ? '' : 's'}`;

/** `/cancel`: ends one helper of this channel (with the helpers it started), or all you may end. */
export const cancelCommand: SlashCommand = {
  data: {
    name: 'cancel',
    description: 'Stop a helper working here (default: every helper you may stop)',
    options: [{ type: ApplicationCommandOptionType.String, name: 'helper', description: 'The helper to stop', autocomplete: true, max_length: 20 }],
  },
  async execute(interaction, { helpers }) {
    if (!interaction.inGuild()) throw userError('helpers_in_dm', 'There are no helpers in DMs: they work in server channels.');
    await interaction.deferReply(ephemeral);
    // The live helpers of this channel (or of this helper's thread): ids from elsewhere, or from another server, are not among them.
    const live = await helpers.liveInChannel(interaction.guildId, interaction.channelId);
    const chosen = interaction.options.getString('helper');
    let content: string;
    if (chosen !== null) {
      const helper = live.find((view) => String(view.id) === chosen.trim());
      if (!helper) throw userError('unknown_helper', `There is no live helper ${chosen} here: it may have ended already. Pick one from the list.`);
      if (!mayCancel(interaction, helper)) throw cancelRefusal(helper);
      const ended = await helpers.cancel([helper.id], `cancelled by <@${interaction.user.id}>`);
      content =
        ended === 0
          ? `**${helper.name}** had already ended.`
          : `Cancelled **${helper.name}**${ended > 1 ? ` and ${plural(ended - 1)} under it` : ''}.`;
    } else if (live.length === 0) {
      content = 'No helpers are working here: there was nothing to cancel.';
    } else {
      const allowed = live.filter((view) => mayCancel(interaction, view));
      if (allowed.length === 0) {
        content = `${live.length === 1 ? 'The helper working here was' : `The ${live.length} helpers working here were`} started by others: cancelling ${live.length === 1 ? 'it' : 'them'} needs the **Manage Messages** permission.`;
      } else {
        const ended = await helpers.cancel(allowed.map((view) => view.id), `cancelled by <@${interaction.user.id}>`);
        const others = live.length - allowed.length;
        const kept = others > 0 ? ` ${plural(others)} started by others ${others === 1 ? 'keeps' : 'keep'} working (cancelling ${others === 1 ? 'it' : 'them'} needs **Manage Messages**).` : '';
        content = `${ended === 0 ? 'They had all ended already: there was nothing to cancel.' : `Cancelled ${plural(ended)}.`}${kept}`;
      }
    }
    await interaction.editReply({ content, allowedMentions: { parse: [] } });
  },
  async autocomplete(interaction, { helpers }) {
    if (!interaction.inGuild()) {
      await interaction.respond([]);
      return;
    }
    const typed = String(interaction.options.getFocused()).toLowerCase();
    const live = await helpers.liveInChannel(interaction.guildId, interaction.channelId);
    const choices = live
      .filter((view) => `${view.id} ${view.name} ${view.task}`.toLowerCase().includes(typed))
      .slice(0, CHOICES_MAX)
      .map((view) => ({ name: truncate(`${view.name} · ${view.task.replace(/\s+/gu, ' ').trim()}`, CHOICE_NAME_MAX), value: String(view.id) }));
    await interaction.respond(choices);
  },
};
