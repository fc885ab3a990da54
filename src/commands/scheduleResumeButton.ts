import { userError } from '../agents/errors.js';
import { resumeActionId } from '../agents/schedules.js';
import { ephemeral, placeOf } from './place.js';
import type { ButtonHandler } from './types.js';

/** The custom id prefix of the Resume button (`resume:<scheduleId>`, see `resumeActionId`). */
const PREFIX = resumeActionId(0).split(':')[0]!;

/**
 * The Resume button under a paused schedule's notice: resumes it as the person who pressed it, so
 * only someone with Manage Channels may (the schedule service checks, and looks the id up within
 * this server only). Resumed, the notice keeps its text, says who resumed it and loses the button.
 */
export const scheduleResumeButton: ButtonHandler = {
  prefix: PREFIX,
  async execute(interaction, { schedules }) {
    const scheduleId = Number(interaction.customId.split(':')[1]);
    if (!Number.isSafeInteger(scheduleId) || scheduleId <= 0 || !interaction.inGuild()) throw userError('bad_button', 'This button is not valid any more.');
    // The service reads the database and the presser's permissions: acknowledge first (3-second window).
    await interaction.deferUpdate();
    const answer = await schedules.act(placeOf(interaction), [interaction.user.id], scheduleId, 'resume');
    // The router tells the presser only; the notice keeps its button for someone who may.
    if (!answer.ok) throw userError('schedule_refused', answer.error);
    await interaction.editReply({ content: `${interaction.message.content}\n▶️ Resumed by <@${interaction.user.id}>.`, components: [], allowedMentions: { parse: [] } });
    await interaction.followUp({ ...ephemeral, content: answer.text });
  },
};
