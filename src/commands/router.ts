import type { Interaction, RepliableInteraction } from 'discord.js';
import { AppError } from '../agents/errors.js';
import type { Logger } from '../agents/logger.js';
import { ephemeral } from './place.js';
import { assertUniqueNames } from './registry.js';
import type { ButtonHandler, CommandServices, SlashCommand } from './types.js';

/** Claims an interaction for this process; false when another process already did. */
export type InteractionClaimer = (interactionId: string) => Promise<boolean>;

export interface RouterMetrics {
  commandHandled(command: string, outcome: 'ok' | 'user_error' | 'error'): void;
}

/**
 * Dispatches interactions to their command, modal or button handler, and is the one error
 * boundary for them: a user error is shown as it is written, anything else is logged with the
 * interaction id and answered with a short ephemeral apology.
 */
export class CommandRouter {
  private readonly byName: Map<string, SlashCommand>;

  constructor(
    commands: readonly SlashCommand[],
    private readonly buttons: readonly ButtonHandler[],
    private readonly services: CommandServices,
    private readonly claim: InteractionClaimer,
    private readonly metrics?: RouterMetrics,
  ) {
    assertUniqueNames(commands);
    this.byName = new Map(commands.map((command) => [command.data.name, command]));
  }

  async handle(interaction: Interaction): Promise<void> {
    const name = routeName(interaction);
    const log = this.services.logger.child({ interactionId: interaction.id, route: name, channelId: interaction.channelId, userId: interaction.user.id });
    try {
      // Every process with this token receives every interaction: only the claim's winner answers.
      if (!(await this.claim(interaction.id))) return;
      await this.dispatch(interaction, log);
      this.metrics?.commandHandled(name, 'ok');
    } catch (error) {
      const userFacing = error instanceof AppError && error.kind === 'user';
      this.metrics?.commandHandled(name, userFacing ? 'user_error' : 'error');
      if (userFacing) log.info({ code: error.code }, 'command refused');
      else log.error({ err: error }, 'command failed');
      if (!interaction.isRepliable()) return;
      const content =
        error instanceof AppError && error.userMessage
          ? error.userMessage
          : `That failed on my side and has been logged (reference ${interaction.id}). Please try again.`;
      await replyWithError(interaction, content).catch((replyError: unknown) => log.warn({ err: replyError }, 'could not report the error'));
    }
  }

  private async dispatch(interaction: Interaction, log: Logger): Promise<void> {
    const services = { ...this.services, logger: log };
    if (interaction.isChatInputCommand()) {
      const command = this.byName.get(interaction.commandName);
      if (!command) throw new AppError('unknown_command', `no command /${interaction.commandName}`, { kind: 'user', userMessage: 'I do not know that command any more: it may have been removed.' });
      await command.execute(interaction, services);
    } else if (interaction.isAutocomplete()) {
      await this.byName.get(interaction.commandName)?.autocomplete?.(interaction, services);
    } else if (interaction.isModalSubmit()) {
      const prefix = interaction.customId.split(':')[0]!;
      const handler = [...this.byName.values()].map((command) => command.modals?.[prefix]).find(Boolean);
      if (!handler) throw new AppError('unknown_modal', `no modal ${prefix}`, { kind: 'user', userMessage: 'This form is not valid any more.' });
      await handler(interaction, services);
    } else if (interaction.isButton()) {
      const prefix = interaction.customId.split(':')[0];
      const handler = this.buttons.find((button) => button.prefix === prefix);
      if (!handler) throw new AppError('unknown_button', `no button ${prefix}`, { kind: 'user', userMessage: 'This button is not valid any more.' });
      await handler.execute(interaction, services);
    }
  }
}

function routeName(interaction: Interaction): string {
  if (interaction.isChatInputCommand() || interaction.isAutocomplete()) return interaction.commandName;
  if (interaction.isModalSubmit() || interaction.isButton()) return interaction.customId.split(':')[0]!;
  return `type-${interaction.type}`;
}

/** Follows up when the interaction was already acknowledged, replies otherwise (always ephemeral). */
async function replyWithError(interaction: RepliableInteraction, content: string): Promise<void> {
  if (interaction.deferred || interaction.replied) await interaction.followUp({ ...ephemeral, content });
  else await interaction.reply({ ...ephemeral, content });
}
