import { agentCommand } from './agent.js';
import { cancelCommand } from './cancel.js';
import { cancelButton } from './cancelButton.js';
import { memoryCommand } from './memory.js';
import { memoryPageButton } from './memoryPages.js';
import { personaCommand } from './persona.js';
import { resetCommand } from './reset.js';
import { retryButton } from './retryButton.js';
import { scheduleCommand } from './schedule.js';
import { scheduleResumeButton } from './scheduleResumeButton.js';
import { spawnCommand } from './spawn.js';
import type { ButtonHandler, SlashCommand } from './types.js';
import { usageCommand } from './usage.js';

/** Every slash command, in one explicit list: the router dispatches and deploy registers these. */
export const commands: readonly SlashCommand[] = [agentCommand, personaCommand, memoryCommand, resetCommand, usageCommand, spawnCommand, cancelCommand, scheduleCommand];

/** Every button the bot puts under its messages. */
export const buttons: readonly ButtonHandler[] = [retryButton, memoryPageButton, cancelButton, scheduleResumeButton];

/** @throws Error when two commands share a name (Discord would reject the whole registration). */
export function assertUniqueNames(list: readonly SlashCommand[]): void {
  const seen = new Set<string>();
  for (const command of list) {
    if (seen.has(command.data.name)) throw new Error(`two commands are named /${command.data.name}`);
    seen.add(command.data.name);
  }
}
