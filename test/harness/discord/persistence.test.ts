import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REST, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SavedWorldError, startDiscordEmulator } from '../../../src/discordEmulator/emulator.js';
import { SAVED_MESSAGES_PER_CHANNEL, SAVE_DEBOUNCE_MS } from '../../../src/discordEmulator/persistence.js';
import { compareSnowflakes } from '../../../src/discordEmulator/snowflake.js';
import { connectClient } from './helpers.js';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function stateFile(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'emulator-world-'));
  directories.push(directory);
  return join(directory, 'playground', 'discord.json');
}

describe('a saved emulator world', () => {
  it('comes back after a restart with the same ids, token, messages, threads and commands', async () => {
    const file = await stateFile();
    const first = await startDiscordEmulator({ stateFile: file });
    const { guildId, generalId, alice } = first.seed;
    const carol = first.createUser({ username: 'carol' });
    first.addMember({ guildId, userId: carol.id });
    const tea = first.createChannel({ guildId, name: 'tea' });
    const said = first.userSays({ channelId: tea.id, authorId: alice.id, content: 'first draft' });
    first.userEdits({ messageId: said.id, content: 'final words' });
    const thread = first.userCreatesThread({ channelId: tea.id, userId: alice.id, name: 'a thread', messageId: said.id });
    const rest = new REST({ api: first.apiUrl }).setToken(first.token);
    await rest.put(Routes.applicationGuildCommands(first.bot.id, guildId), { body: [{ name: 'ping', description: 'Ping' }] });
    await first.close();

    const second = await startDiscordEmulator({ stateFile: file });
    try {
      expect(second.token).toBe(first.token);
      expect(second.bot.id).toBe(first.bot.id);
      expect(second.seed).toEqual(first.seed);
      expect(second.channelMessages(tea.id).map((message) => message.content)).toEqual(['final words']);
      expect(second.messageHistory(said.id)?.revisions.map((revision) => revision.content)).toEqual(['first draft']);
      expect(second.threads(tea.id).map((candidate) => [candidate.id, candidate.name])).toEqual([[thread.id, 'a thread']]);
      expect(second.commands().map((command) => command.name)).toEqual(['ping']);
      expect(second.world.guilds.get(guildId)?.members.has(carol.id)).toBe(true);
      // New ids come after every saved one, whatever the clock says.
      const later = second.userSays({ channelId: generalId, authorId: carol.id, content: 'after the restart' });
      expect(compareSnowflakes(later.id, thread.id)).toBeGreaterThan(0);

      // A real client logging in finds the restored world.
      const client = await connectClient(second);
      expect(client.channels.cache.get(tea.id)?.id).toBe(tea.id);
      await client.destroy();
    } finally {
      await second.close();
    }
  });

  it('keeps the newest messages of each channel only', async () => {
    const file = await stateFile();
    const first = await startDiscordEmulator({ stateFile: file });
    const { generalId, alice } = first.seed;
    for (let index = 0; index < SAVED_MESSAGES_PER_CHANNEL + 5; index += 1) {
      first.userSays({ channelId: generalId, authorId: alice.id, content: `message ${index}` });
    }
    await first.close();
    const second = await startDiscordEmulator({ stateFile: file });
    const kept = second.channelMessages(generalId);
    expect(kept).toHaveLength(SAVED_MESSAGES_PER_CHANNEL);
    expect(kept[0]?.content).toBe('message 5');
    await second.close();
  });

  it('writes a change within a second of it, without waiting for the close', async () => {
    const file = await stateFile();
    const discord = await startDiscordEmulator({ stateFile: file });
    try {
      discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: 'saved soon' });
      expect(await readFile(file, 'utf8')).not.toContain('saved soon');
      // Polls the file (no event tells when it was written), up to three times the debounce.
      const deadline = Date.now() + 3 * SAVE_DEBOUNCE_MS;
      let saved = false;
      while (!saved && Date.now() < deadline) {
        saved = (await readFile(file, 'utf8')).includes('saved soon');
        if (!saved) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(saved).toBe(true);
    } finally {
      await discord.close();
    }
  });

  it('refuses a file it cannot read as a world, and leaves it as it was', async () => {
    const file = await stateFile();
    const first = await startDiscordEmulator({ stateFile: file });
    await first.close();
    await writeFile(file, '{"version": 99}');
    await expect(startDiscordEmulator({ stateFile: file })).rejects.toThrow(SavedWorldError);
    await expect(startDiscordEmulator({ stateFile: file })).rejects.toThrow(/Move it away to start a fresh playground world/);
    await writeFile(file, 'not json');
    await expect(startDiscordEmulator({ stateFile: file })).rejects.toThrow(/is not valid JSON/);
    expect(await readFile(file, 'utf8')).toBe('not json');
  });
});
