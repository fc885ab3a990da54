import { userError } from '../agents/errors.js';
import { cancelRefusal, mayCancel } from './cancel.js';
import { ephemeral } from './place.js';
import type { ButtonHandler } from './types.js';

/**
 * The Cancel button under a live helper's header (`cancel:<agentId>`, see `cancelActionId`). The
 * helper must be live in the channel the button is pressed in, so a copied or forged id cannot
 * end another channel's (or server's) helper. The engine edits the header once it has ended.
 */
export const cancelButton: ButtonHandler = {
  prefix: 'cancel',
  async execute(interaction, { helpers }) {
    const agentId = Number(interaction.customId.split(':')[1]);
    if (!Number.isSafeInteger(agentId) || !interaction.inGuild()) throw userError('bad_button', 'This button is not valid any more.');
    const live = await helpers.liveInChannel(interaction.guildId, interaction.channelId);
    const helper = live.find((view) => view.id === agentId);
    if (!helper) throw userError('helper_ended', 'This helper has already ended.');
    if (!mayCancel(interaction, helper)) throw cancelRefusal(helper);
    await interaction.deferUpdate();
    const ended = await helpers.cancel([helper.id], `cancelled by <@${interaction.user.id}>`);
    // Pressed twice, or the helper finished meanwhile: say so to the presser only.
    if (ended === 0) await interaction.followUp({ ...ephemeral, content: `**${helper.name}** had already ended.` });
  },
};
