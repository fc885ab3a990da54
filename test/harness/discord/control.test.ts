import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Events, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let harness: Harness;
let control: string;

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${control}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  harness = await startHarness();
  control = `${harness.discord.urls.base}/_control`;
  const { client, discord } = harness;
  await client.application.commands.set([new SlashCommandBuilder().setName('ping').setDescription('Ping').addStringOption((option) => option.setName('text').setDescription('Text')).toJSON()], discord.seed.guildId);
  client.on(Events.MessageCreate, async (message) => {
    if (message.mentions.has(client.user) && !message.author.bot) await message.reply(`pong ${message.attachments.first()?.name ?? ''}`.trim());
  });
  client.on(Events.InteractionCreate, async (interaction) => {
    if (interaction.isChatInputCommand()) await interaction.reply({ content: `pong ${interaction.options.getString('text') ?? ''}`, flags: MessageFlags.Ephemeral });
  });
});
afterAll(async () => {
  await harness.close();
});

describe('control API', () => {
  test('GET /_control/state describes the bot, guilds with channels, and users', async () => {
    const { status, body } = await call<{ bot: { id: string }; guilds: Array<{ id: string; channels: Array<{ name: string; type: number }> }>; users: Array<{ username: string }> }>('GET', '/state');
    expect(status).toBe(200);
    expect(body.bot.id).toBe(harness.discord.bot.id);
    expect(body.guilds[0]?.channels).toContainEqual(expect.objectContaining({ name: 'general', type: 0 }));
    expect(body.users.map((user) => user.username)).toEqual(expect.arrayContaining(['alice', 'bob', 'Matryoshka']));
  });

  test('POST /_control/messages posts as a user (with an attachment); the channel shows the reply', async () => {
    const { discord } = harness;
    const { body: sent } = await call<{ id: string; attachments: Array<{ url: string }> }>('POST', '/messages', {
      channel_id: discord.seed.generalId,
      author_id: discord.seed.alice.id,
      content: `<@${discord.bot.id}> ping`,
      attachments: [{ filename: 'a.txt', content_type: 'text/plain', base64: Buffer.from('bytes').toString('base64') }],
    });
    expect(await (await fetch(sent.attachments[0]?.url ?? '')).text()).toBe('bytes');
    await discord.waitForMessage((message) => message.message_reference?.message_id === sent.id);
    const { body: messages } = await call<Array<{ id: string; content: string }>>('GET', `/channels/${discord.seed.generalId}/messages`);
    expect(messages.map((message) => message.content).slice(-2)).toEqual([`<@${discord.bot.id}> ping`, 'pong a.txt']);
  });

  test('POST /_control/interactions runs a command; GET /_control/interactions/{id} shows the response', async () => {
    const { discord } = harness;
    const { body } = await call<{ id: string }>('POST', '/interactions', { channel_id: discord.seed.generalId, user_id: discord.seed.bob.id, name: 'ping', options: { text: 'hi' } });
    await discord.waitForInteractionResponse(body.id);
    const { body: responses } = await call<{ acknowledged: boolean; ephemeral: boolean; original: { content: string } }>('GET', `/interactions/${body.id}`);
    expect(responses).toMatchObject({ acknowledged: true, ephemeral: true, original: { content: 'pong hi' } });
  });

  test('threads, commands and errors', async () => {
    const { discord } = harness;
    const starter = discord.userSays({ channelId: discord.seed.generalId, authorId: discord.seed.alice.id, content: 'thread me' });
    discord.userCreatesThread({ channelId: discord.seed.generalId, messageId: starter.id, userId: discord.seed.alice.id, name: 'via control' });
    const { body: threads } = await call<Array<{ name: string }>>('GET', `/channels/${discord.seed.generalId}/threads`);
    expect(threads.map((thread) => thread.name)).toEqual(['via control']);
    const { body: commands } = await call<Array<{ name: string }>>('GET', '/commands');
    expect(commands.map((command) => command.name)).toEqual(['ping']);
    const missing = await call<{ error: string }>('POST', '/messages', { author_id: discord.seed.alice.id });
    expect(missing).toMatchObject({ status: 400, body: { error: '"channel_id" is required (a string)' } });
    const unknown = await call<{ code: number }>('GET', '/channels/1/messages');
    expect(unknown).toMatchObject({ status: 404, body: { code: 10003 } });
  });
});

describe('npm run emulator', () => {
  test('prints DISCORD_API_URL and DISCORD_TOKEN on lines of their own and serves the control API', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/discordEmulator/cli.ts'], { cwd: process.cwd(), env: { ...process.env, EMULATOR_PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout });
      const printed: Record<string, string> = {};
      for await (const line of lines) {
        const [key, ...value] = line.split('=');
        if (key) printed[key] = value.join('=');
        if ('EMULATOR_BOB_ID' in printed) break;
      }
      expect(printed.DISCORD_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(printed.DISCORD_TOKEN).toBeTruthy();
      const state = (await (await fetch(`${printed.EMULATOR_CONTROL_URL}/state`)).json()) as { bot: { id: string } };
      expect(state.bot.id).toBe(printed.DISCORD_APPLICATION_ID);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
