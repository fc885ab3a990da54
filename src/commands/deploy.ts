import { CONFIG_ERROR_EXIT_CODE } from '../config.js';
import { loadConfigOrExit } from '../environment.js';
import { deployCommands } from './deployCommands.js';

/** `npm run deploy-commands`: registers the slash commands and prints what it registered. */
const config = loadConfigOrExit();
const { token } = config.discord;
if (token === null) {
  process.stderr.write('npm run deploy-commands registers the commands with a real Discord: set DISCORD_TOKEN and unset PLAYGROUND (the playground registers its own when it starts).\n');
  process.exit(CONFIG_ERROR_EXIT_CODE);
}
try {
  const result = await deployCommands({ ...config.discord, token });
  const scope = result.scope === 'guild' ? `guild ${config.discord.devGuildId}` : 'global (may take up to an hour to appear)';
  process.stdout.write(`Registered ${result.names.length} commands for ${result.applicationName} (${scope}): ${result.names.map((name) => `/${name}`).join(' ')}\n`);
} catch (error) {
  process.stderr.write(`Could not register the commands: ${(error as Error).message}\nCheck DISCORD_TOKEN and DISCORD_API_URL (npm run doctor).\n`);
  process.exitCode = 1;
}
