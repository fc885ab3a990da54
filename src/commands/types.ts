import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { ChannelAgents } from '../agents/channelAgents.js';
import type { Logger } from '../agents/logger.js';
import type { ScheduleManager } from '../agents/schedules.js';
import type { TreeService } from '../agents/tree/treeService.js';

/** What command handlers may use. */
export interface CommandServices {
  channelAgents: ChannelAgents;
  helpers: TreeService;
  schedules: ScheduleManager;
  logger: Logger;
}

/**
 * One slash command: its definition (registered by `npm run deploy-commands`) and its handlers.
 * Handlers must acknowledge within Discord's 3 seconds: reply, defer or show a modal first.
 */
export interface SlashCommand {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, services: CommandServices): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, services: CommandServices): Promise<void>;
  /** Modals this command opens, by the custom id prefix before the first colon. */
  modals?: Record<string, (interaction: ModalSubmitInteraction, services: CommandServices) => Promise<void>>;
}

/** A button handler, found by the custom id prefix before the first colon. */
export interface ButtonHandler {
  prefix: string;
  execute(interaction: ButtonInteraction, services: CommandServices): Promise<void>;
}
