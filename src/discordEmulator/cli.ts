/**
 * `npm run emulator`: starts the emulator with the default world and prints, each on a line of its
 * own, `DISCORD_API_URL=…` and `DISCORD_TOKEN=…` (then the ids a test driver needs) so another
 * process can point the bot at it. Port from EMULATOR_PORT, else a free one. Stops on SIGINT/SIGTERM.
 */
import { startDiscordEmulator } from './emulator.js';

const port = process.env.EMULATOR_PORT ? Number(process.env.EMULATOR_PORT) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`EMULATOR_PORT must be a port number, got "${process.env.EMULATOR_PORT}"`);
  process.exit(1);
}

const discord = await startDiscordEmulator({ port });
const lines = [
  `DISCORD_API_URL=${discord.apiUrl}`,
  `DISCORD_TOKEN=${discord.token}`,
  `DISCORD_APPLICATION_ID=${discord.bot.id}`,
  `EMULATOR_CONTROL_URL=${discord.urls.base}/_control`,
  `EMULATOR_GUILD_ID=${discord.seed.guildId}`,
  `EMULATOR_GENERAL_CHANNEL_ID=${discord.seed.generalId}`,
  `EMULATOR_ALICE_ID=${discord.seed.alice.id}`,
  `EMULATOR_BOB_ID=${discord.seed.bob.id}`,
];
process.stdout.write(`${lines.join('\n')}\n`);

const stop = async () => {
  await discord.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
