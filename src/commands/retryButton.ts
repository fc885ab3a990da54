import { userError } from '../agents/errors.js';
import { placeOf } from './place.js';
import type { ButtonHandler } from './types.js';

/** The Retry button under a failed turn's notice: anyone in the channel may press it. */
export const retryButton: ButtonHandler = {
  prefix: 'retry',
  async execute(interaction, { channelAgents }) {
    const agentId = Number(interaction.customId.split(':')[1]);
    if (!Number.isSafeInteger(agentId)) throw userError('bad_button', 'This button is not valid any more.');
    await channelAgents.retry(placeOf(interaction), agentId);
    await interaction.update({ content: `${interaction.message.content}\n🔁 Retrying…`, components: [], allowedMentions: { parse: [] } });
  },
};
