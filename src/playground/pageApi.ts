import type { CommandOptionValue } from '../discordEmulator/domain/interactions/options.js';
import type { DiscordEmulator } from '../discordEmulator/emulator.js';
import { type HttpMethod, Router, decodePathSegments } from '../discordEmulator/http/router.js';
import {
  type HelperStatuses,
  type PageSession,
  type PageTip,
  guildCommands,
  guildThreads,
  inGuild,
  pageChannel,
  pageMessage,
  pageThread,
  pageUsers,
  textChannels,
} from './pageView.js';

/** What the page's JSON API acts on: the emulator's one guild, and the bot's helpers for their status. */
export interface PageApiContext {
  emulator: DiscordEmulator;
  guildId: string;
  helpers: HelperStatuses;
  model: PageSession['model'];
  tips: PageTip[];
}

/** A request the page got wrong: answered 400 with the message. */
export class PageRequestError extends Error {}

/** Messages one page request may list. */
export const PAGE_MESSAGES_MAX = 500;
const PAGE_MESSAGES_DEFAULT = 100;
const USERNAME = /^[a-z0-9_.]{2,32}$/;
const CHANNEL_NAME_MAX = 100;

type Json = Record<string, unknown>;
type Handler = (context: PageApiContext, input: { params: Record<string, string>; body: Json; query: URLSearchParams }) => unknown;

function text(body: Json, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new PageRequestError(`"${name}" is required (text)`);
  return value;
}

function optionalText(body: Json, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new PageRequestError(`"${name}" must be text`);
  return value;
}

function record<T>(body: Json, name: string, isValue: (value: unknown) => value is T): Record<string, T> {
  const value = body[name] ?? {};
  if (typeof value !== 'object' || Array.isArray(value) || value === null) throw new PageRequestError(`"${name}" must be an object`);
  for (const [key, entry] of Object.entries(value)) {
    if (!isValue(entry)) throw new PageRequestError(`"${name}.${key}" has a value of the wrong type`);
  }
  return value as Record<string, T>;
}

/** The person the page acts as: a member of the playground's guild, never the bot. */
function person(context: PageApiContext, body: Json): string {
  const userId = text(body, 'userId');
  const member = context.emulator.world.requireGuild(context.guildId).members.has(userId);
  if (!member || userId === context.emulator.bot.id) throw new PageRequestError('"userId" must be a person in the playground (not the bot)');
  return userId;
}

const isOptionValue = (value: unknown): value is CommandOptionValue => ['string', 'number', 'boolean'].includes(typeof value);
const isFieldValue = (value: unknown): value is string | string[] =>
  typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));

/** The command a page runs: where, as whom, and what it typed. */
function invocation(context: PageApiContext, body: Json) {
  return {
    channelId: guildChannel(context, text(body, 'channelId')).id,
    userId: person(context, body),
    name: text(body, 'name'),
    subcommandGroup: optionalText(body, 'subcommandGroup'),
    subcommand: optionalText(body, 'subcommand'),
    options: record(body, 'options', isOptionValue),
  };
}

function limitOf(query: URLSearchParams): number {
  const raw = query.get('limit');
  if (raw === null) return PAGE_MESSAGES_DEFAULT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MESSAGES_MAX) throw new PageRequestError(`"limit" must be a whole number from 1 to ${PAGE_MESSAGES_MAX}`);
  return limit;
}

async function session(context: PageApiContext): Promise<PageSession> {
  const { emulator, guildId } = context;
  const guild = emulator.world.requireGuild(guildId);
  const threads = guildThreads(emulator, guildId);
  const statuses = await context.helpers.statusesOf(guildId, threads.map((thread) => thread.id));
  return {
    bot: { id: emulator.bot.id, username: emulator.bot.username },
    guild: { id: guild.id, name: guild.name, ownerId: guild.ownerId },
    users: pageUsers(emulator, guildId),
    roles: [...guild.roles.values()].filter((role) => role.id !== guild.id).map((role) => ({ id: role.id, name: role.name })),
    channels: textChannels(emulator, guildId).map(pageChannel),
    threads: threads.map((thread) => pageThread(thread, statuses.get(thread.id))),
    commands: guildCommands(emulator, guildId),
    model: context.model,
    tips: context.tips,
  };
}

/** A channel or thread of the playground's guild: the page never reaches another guild's or a DM. */
function guildChannel(context: PageApiContext, channelId: string) {
  if (!inGuild(context.emulator, context.guildId, channelId)) throw new PageRequestError('no such channel in the playground');
  return context.emulator.world.requireChannel(channelId);
}

function channelMessages(context: PageApiContext, channelId: string, query: URLSearchParams) {
  const viewer = query.get('as');
  const channel = guildChannel(context, channelId);
  const visible = context.emulator.world
    .liveMessages(channel.id)
    .filter((message) => message.ephemeralForUserId === null || message.ephemeralForUserId === viewer);
  return visible.slice(-limitOf(query)).map((message) => pageMessage(context.emulator, message));
}

function addUser(context: PageApiContext, body: Json) {
  const username = text(body, 'username').trim().toLowerCase();
  if (!USERNAME.test(username)) throw new PageRequestError('a username is 2–32 characters: lowercase letters, digits, _ and .');
  if (pageUsers(context.emulator, context.guildId).some((user) => user.username === username)) throw new PageRequestError(`there is already a user named ${username}`);
  const user = context.emulator.createUser({ username });
  context.emulator.addMember({ guildId: context.guildId, userId: user.id });
  return user;
}

function addChannel(context: PageApiContext, body: Json) {
  // As Discord's client does: lowercase, spaces become dashes.
  const name = text(body, 'name').trim().toLowerCase().replace(/\s+/g, '-');
  if (name.length > CHANNEL_NAME_MAX) throw new PageRequestError(`a channel name is at most ${CHANNEL_NAME_MAX} characters`);
  return context.emulator.createChannel({ guildId: context.guildId, name, topic: optionalText(body, 'topic') });
}

/** The routes of src/playground/README.md, each one emulator call as the user the page acts as. */
const routes: Array<[HttpMethod, string, Handler]> = [
  ['GET', '/api/session', (context) => session(context)],
  ['GET', '/api/channels/:id/messages', (context, { params, query }) => channelMessages(context, params.id ?? '', query)],
  [
    'POST',
    '/api/messages',
    (context, { body }) =>
      context.emulator.userSays({
        channelId: guildChannel(context, text(body, 'channelId')).id,
        authorId: person(context, body),
        content: text(body, 'content'),
        replyTo: optionalText(body, 'replyTo'),
      }),
  ],
  ['POST', '/api/commands', (context, { body }) => ({ id: context.emulator.invokeCommand(invocation(context, body)).id })],
  [
    'POST',
    '/api/autocomplete',
    async (context, { body }) => {
      const command = invocation(context, body);
      const focused = text(body, 'focused');
      // Discord's client always sends the focused option, typed or not; without it the bot cannot answer.
      const options = { [focused]: '', ...command.options };
      return { choices: (await context.emulator.requestAutocomplete({ ...command, options, focused })).choices };
    },
  ],
  [
    'POST',
    '/api/components',
    (context, { body }) => {
      const click = { messageId: text(body, 'messageId'), customId: text(body, 'customId'), userId: person(context, body) };
      if (body.values === undefined) return { id: context.emulator.clickButton(click).id };
      if (!Array.isArray(body.values) || !body.values.every((value) => typeof value === 'string')) throw new PageRequestError('"values" must be a list of text');
      return { id: context.emulator.selectOptions({ ...click, values: body.values }).id };
    },
  ],
  [
    'POST',
    '/api/modals',
    (context, { body }) => ({
      id: context.emulator.submitModal({
        interactionId: text(body, 'interactionId'),
        customId: optionalText(body, 'customId'),
        fields: record(body, 'fields', isFieldValue),
        userId: person(context, body),
      }).id,
    }),
  ],
  ['POST', '/api/channels', (context, { body }) => addChannel(context, body)],
  ['POST', '/api/users', (context, { body }) => addUser(context, body)],
];

const router = new Router<Handler>();
for (const [method, pattern, handler] of routes) router.add(method, pattern, handler);

/** The handler for a request, or why there is none (404 or 405). */
export function findPageRoute(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | { status: 404 | 405 } {
  const match = router.match(method, decodePathSegments(pathname));
  if ('value' in match) return { handler: match.value, params: match.params };
  return { status: match.methodMismatch ? 405 : 404 };
}
