import { userError } from '../agents/errors.js';
import { placeOf } from './place.js';
import type { ButtonHandler } from './types.js';

const RETRYING_MARK = '\n🔁 Retrying…';
const RETRYING_MARK_AT_END = /(\n🔁 Retrying…)+$/u;

/** The Retry button under a failed turn's notice: anyone in the channel may press it. */
export const retryButton: ButtonHandler = {
  prefix: 'retry',
  async execute(interaction, { channelAgents }) {
    const agentId = Number(interaction.customId.split(':')[1]);
    if (!Number.isSafeInteger(agentId)) throw userError('bad_button', 'This button is not valid any more.');
    // Pressed twice (or by two people at once), the notice still says it once.
    const content = `${interaction.message.content.replace(RETRYING_MARK_AT_END, '')}${RETRYING_MARK}`;
    await channelAgents.retry(placeOf(interaction), agentId, async () => {
      await interaction.update({ content, components: [], allowedMentions: { parse: [] } });
    });
  },
};
