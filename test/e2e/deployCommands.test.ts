import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/registry.js';
import { type DiscordEmulator, startDiscordEmulator } from '../../src/discordEmulator/emulator.js';

describe('npm run deploy-commands', () => {
  let discord: DiscordEmulator;
  beforeAll(async () => {
    discord = await startDiscordEmulator();
  });
  afterAll(() => discord.close());

  const deploy = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/commands/deploy.ts'], {
        env: { PATH: process.env.PATH, DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, OPENAI_API_KEY: 'x', ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it('registers every command in the dev guild when DEV_GUILD_ID is set, and globally otherwise', async () => {
    const guild = await deploy({ DEV_GUILD_ID: discord.seed.guildId });
    expect(guild.code).toBe(0);
    expect(guild.stdout).toContain(`Registered ${commands.length} commands for`);
    expect(guild.stdout).toContain(`(guild ${discord.seed.guildId})`);
    expect(discord.commands().filter((command) => command.guild_id === discord.seed.guildId).map((command) => command.name).sort()).toEqual(
      commands.map((command) => command.data.name).sort(),
    );
    const global = await deploy({});
    expect(global.stdout).toContain('global (may take up to an hour to appear)');
    expect(discord.commands().filter((command) => !command.guild_id)).toHaveLength(commands.length);
  });

  it('says what to check when the token is refused', async () => {
    const refused = await deploy({ DISCORD_TOKEN: 'not-a-valid-token' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Could not register the commands');
    expect(refused.stderr).toContain('npm run doctor');
  });
});
