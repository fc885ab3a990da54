import { REST, Routes } from 'discord.js';
import { loadConfigOrExit } from '../environment.js';
import { commands } from './registry.js';

/**
 * `npm run deploy-commands`: registers the slash commands (bulk overwrite). Guild-scoped when
 * DEV_GUILD_ID is set (instant, for development), global otherwise (may take up to an hour).
 */
const config = loadConfigOrExit();
const rest = new REST({ api: config.discord.apiUrl }).setToken(config.discord.token);

try {
  const application = (await rest.get(Routes.currentApplication())) as { id: string; name: string };
  const body = commands.map((command) => command.data);
  const route = config.discord.devGuildId
    ? Routes.applicationGuildCommands(application.id, config.discord.devGuildId)
    : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body })) as Array<{ name: string }>;
  const scope = config.discord.devGuildId ? `guild ${config.discord.devGuildId}` : 'global (may take up to an hour to appear)';
  process.stdout.write(`Registered ${registered.length} commands for ${application.name} (${scope}): ${registered.map((command) => `/${command.name}`).join(' ')}\n`);
} catch (error) {
  process.stderr.write(`Could not register the commands: ${(error as Error).message}\nCheck DISCORD_TOKEN (npm run doctor).\n`);
  process.exitCode = 1;
}
