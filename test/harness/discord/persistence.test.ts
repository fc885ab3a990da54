import { readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelType, REST, Routes, type APIMessage, type APIWebhook } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SavedWorldError, startDiscordEmulator, type DiscordEmulator } from '../../../src/discordEmulator/emulator.js';
import { SAVED_MESSAGES_PER_CHANNEL, SAVE_DEBOUNCE_MS, WorldSaver, snapshotWorld } from '../../../src/discordEmulator/persistence.js';
import { SnowflakeGenerator, compareSnowflakes } from '../../../src/discordEmulator/snowflake.js';
import { EmulatorState } from '../../../src/discordEmulator/state.js';
import { connectClient } from './helpers.js';

const directories: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

/** Where a world is kept: in a directory that does not exist yet, as on a first playground start. */
async function stateFile(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'emulator-world-'));
  directories.push(directory);
  return join(directory, 'playground', 'discord.json');
}

function botRest(discord: DiscordEmulator): REST {
  return new REST({ api: discord.apiUrl }).setToken(discord.token);
}

/** Every id the world has handed out: users, guilds, roles, channels, messages, commands, webhooks. */
function everyId(discord: DiscordEmulator): string[] {
  const { world } = discord;
  return [
    ...world.users.keys(),
    ...[...world.guilds.values()].flatMap((guild) => [guild.id, ...guild.roles.keys()]),
    ...world.channels.keys(),
    ...world.messages.keys(),
    ...world.commands.keys(),
    ...world.webhooks.keys(),
  ];
}

describe('a saved emulator world', () => {
  it('comes back after a restart with the same ids, token, people, channels, threads, messages and commands', async () => {
    const file = await stateFile();
    const first = await startDiscordEmulator({ stateFile: file });
    const { guildId, generalId, alice, bob } = first.seed;
    const carol = first.createUser({ username: 'carol' });
    first.addMember({ guildId, userId: carol.id });
    const tea = first.createChannel({ guildId, name: 'tea', topic: 'Tea talk' });
    const said = first.userSays({ channelId: tea.id, authorId: alice.id, content: 'first draft' });
    first.userEdits({ messageId: said.id, content: 'final words' });
    first.userReacts({ messageId: said.id, userId: bob.id, emoji: '🍵' });
    const thread = first.userCreatesThread({ channelId: tea.id, userId: alice.id, name: 'a thread', messageId: said.id });
    first.userSays({ channelId: thread.id, authorId: carol.id, content: 'in the thread' });
    const rest = botRest(first);
    await rest.put(Routes.applicationGuildCommands(first.bot.id, guildId), { body: [{ name: 'ping', description: 'Ping' }] });
    await rest.put(Routes.threadMembers(thread.id, '@me'));
    const botMessage = (await rest.post(Routes.channelMessages(tea.id), { body: { content: 'bot draft' } })) as APIMessage;
    await rest.patch(Routes.channelMessage(tea.id, botMessage.id), { body: { content: 'bot final' } });
    const webhook = (await rest.post(Routes.channelWebhooks(tea.id), { body: { name: 'kettle' } })) as APIWebhook;
    // A reply to a slash command: its interaction is not kept.
    const ping = first.invokeCommand({ channelId: tea.id, userId: alice.id, name: 'ping' });
    await rest.post(Routes.interactionCallback(ping.id, ping.token), { body: { type: 4, data: { content: 'pong' } } });
    const pong = first.interactionResponses(ping.id).original;
    const idsBefore = everyId(first);
    await first.close();

    const second = await startDiscordEmulator({ stateFile: file, token: 'ignored when restoring' });
    try {
      expect(second.token).toBe(first.token);
      expect(second.bot).toEqual(first.bot);
      expect(second.seed).toEqual(first.seed);
      expect(second.world.users.get(carol.id)?.username).toBe('carol');
      expect(second.world.guilds.get(guildId)?.members.has(carol.id)).toBe(true);
      expect(second.world.guilds.get(guildId)?.roles.has(first.seed.botRoleId)).toBe(true);
      expect(second.channel(tea.id)).toMatchObject({ name: 'tea', topic: 'Tea talk' });
      expect(second.channelMessages(tea.id).map((message) => message.content)).toEqual(['final words', 'bot final', 'pong']);
      expect(second.messageHistory(said.id)?.revisions.map((revision) => revision.content)).toEqual(['first draft']);
      expect(second.messageHistory(botMessage.id)?.revisions.map((revision) => revision.content)).toEqual(['bot draft']);
      expect(second.message(said.id)?.reactions).toMatchObject([{ emoji: { name: '🍵' }, count: 1 }]);
      expect(second.threads(tea.id).map((candidate) => [candidate.id, candidate.name])).toEqual([[thread.id, 'a thread']]);
      expect(second.world.channels.get(thread.id)?.thread?.memberIds).toEqual(new Set([alice.id, first.bot.id]));
      expect(second.channelMessages(thread.id).map((message) => message.content)).toEqual(['in the thread']);
      expect(second.commands().map((command) => command.name)).toEqual(['ping']);
      expect(second.world.webhooks.get(webhook.id)?.name).toBe('kettle');
      // The reply renders without the interaction's metadata.
      expect(pong?.interaction_metadata).toBeDefined();
      expect(second.message(pong!.id)?.interaction_metadata).toBeUndefined();

      // New ids come after every saved one.
      const later = second.userSays({ channelId: generalId, authorId: carol.id, content: 'after the restart' });
      for (const id of idsBefore) expect(compareSnowflakes(later.id, id)).toBeGreaterThan(0);

      // A real client logging in finds the restored world, and the bot can read its own edited message.
      const client = await connectClient(second);
      try {
        const channel = client.channels.cache.get(tea.id);
        expect(channel?.type).toBe(ChannelType.GuildText);
        if (channel?.type !== ChannelType.GuildText) return;
        expect((await channel.messages.fetch(botMessage.id)).content).toBe('bot final');
        expect((await channel.messages.fetch(pong!.id)).content).toBe('pong');
      } finally {
        await client.destroy();
      }
      expect(second.internalErrors).toEqual([]);
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
    expect([kept[0]?.content, kept.at(-1)?.content]).toEqual(['message 5', `message ${SAVED_MESSAGES_PER_CHANNEL + 4}`]);
    expect(second.channel(generalId)).toMatchObject({ last_message_id: kept.at(-1)?.id });
    await second.close();
  });

  it('saves a new world at once, then a burst of changes in one write a debounce later', async () => {
    const file = await stateFile();
    const discord = await startDiscordEmulator({ stateFile: file });
    try {
      // Each write renames a new file over the old one: a new inode is a new write.
      const inodes = [statSync(file).ino];
      const noteWrite = (): void => {
        const { ino } = statSync(file);
        if (ino !== inodes.at(-1)) inodes.push(ino);
      };
      const burstAt = performance.now();
      // Setup methods change the world without a client or a REST call; they are saved too.
      for (const username of ['dave', 'erin', 'frank']) discord.createUser({ username });
      expect(readFileSync(file, 'utf8')).not.toContain('dave');

      await discord.waitFor(
        () => {
          noteWrite();
          return readFileSync(file, 'utf8').includes('frank');
        },
        { timeoutMs: 3 * SAVE_DEBOUNCE_MS, description: 'the burst written' },
      );
      // Timers may fire a millisecond early against performance.now().
      expect(performance.now() - burstAt).toBeGreaterThanOrEqual(SAVE_DEBOUNCE_MS - 5);
      expect(inodes).toHaveLength(2);
      expect(readFileSync(file, 'utf8')).toContain('dave');
    } finally {
      await discord.close();
    }
  });

  it('writes at most once per debounce and runs no timer while nothing changes', async () => {
    const file = await stateFile();
    const state = new EmulatorState({ botName: 'Matryoshka', applicationFlags: 0, logLimit: 100 });
    let writes = 0;
    const onError = vi.fn();
    const snapshot = () => {
      writes += 1;
      return snapshotWorld(state, 'token', null);
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const saver = new WorldSaver(file, snapshot, onError, true);
    await saver.flush();
    expect([writes, vi.getTimerCount()]).toEqual([0, 0]);

    saver.changed();
    saver.changed();
    await vi.advanceTimersByTimeAsync(SAVE_DEBOUNCE_MS - 1);
    saver.changed();
    expect([writes, vi.getTimerCount()]).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1);
    await saver.flush(); // waits for the write the timer started; nothing is left to write
    expect([writes, vi.getTimerCount()]).toEqual([1, 0]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, token: 'token' });

    saver.changed();
    await saver.flush();
    expect([writes, vi.getTimerCount()]).toEqual([2, 0]);
    expect(onError).not.toHaveBeenCalled();
  });

  it('goes on after ids from a clock that was ahead', () => {
    const ahead = new SnowflakeGenerator();
    const saved = ahead.next(Date.now() + 60_000);
    const restored = new SnowflakeGenerator();
    restored.continueAfter(ahead.position());
    expect(compareSnowflakes(restored.next(), saved)).toBeGreaterThan(0);
  });

  it('refuses a file it cannot read as a world, and leaves it as it was', async () => {
    const file = await stateFile();
    const first = await startDiscordEmulator({ stateFile: file });
    await first.close();
    const refusals: Array<[content: string, reason: RegExp]> = [
      ['not json', /is not valid JSON/],
      ['{"version": 99}', /has format version 99, not 1/],
      ['{"version": 1, "token": "t"}', /lacks parts of a saved world/],
    ];
    for (const [content, reason] of refusals) {
      await writeFile(file, content);
      const refused = startDiscordEmulator({ stateFile: file });
      await expect(refused).rejects.toThrow(SavedWorldError);
      await expect(refused).rejects.toThrow(reason);
      await expect(refused).rejects.toThrow(`${file} `);
      await expect(refused).rejects.toThrow(/Move it away to start a fresh playground world/);
      expect(await readFile(file, 'utf8')).toBe(content);
    }
  });

  it('refuses a world it cannot read at all', async () => {
    const file = await stateFile();
    await mkdir(file, { recursive: true });
    await expect(startDiscordEmulator({ stateFile: file })).rejects.toThrow(/cannot be read .*Move it away to start a fresh playground world/);
    expect(statSync(file).isDirectory()).toBe(true);
  });
});
