import { REST, Routes } from 'discord.js';
import { commands } from './registry.js';

export interface DeployResult {
  applicationName: string;
  scope: 'guild' | 'global';
  names: string[];
}

/**
 * Registers every slash command with one bulk overwrite: guild-scoped when `devGuildId` is set
 * (instant, for development), global otherwise (Discord may take up to an hour to show them).
 * @see https://discord.com/developers/docs/interactions/application-commands#bulk-overwrite-global-application-commands
 */
export async function deployCommands(options: { apiUrl: string; token: string; devGuildId?: string | undefined }): Promise<DeployResult> {
  const rest = new REST({ api: options.apiUrl }).setToken(options.token);
  const application = (await rest.get(Routes.currentApplication())) as { id: string; name: string };
  const route = options.devGuildId
    ? Routes.applicationGuildCommands(application.id, options.devGuildId)
    : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body: commands.map((command) => command.data) })) as Array<{ name: string }>;
  return { applicationName: application.name, scope: options.devGuildId ? 'guild' : 'global', names: registered.map((command) => command.name) };
}
