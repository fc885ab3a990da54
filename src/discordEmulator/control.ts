import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DiscordEmulator } from './discordEmulator.js';
import { DiscordApiError } from './errors.js';
import { InvalidJsonError, parseBody, readRawBody } from './http/body.js';
import { sendJson } from './http/respond.js';
import { Router, decodePathSegments, type HttpMethod } from './http/router.js';
import type { AttachmentSource } from './domain/attachments.js';
import type { CommandOptionValue } from './domain/interactions/options.js';

type Json = Record<string, unknown>;
type ControlHandler = (emulator: DiscordEmulator, input: { params: Record<string, string>; body: Json; query: URLSearchParams }) => unknown;

function required(body: Json, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) throw new Error(`"${name}" is required (a string)`);
  return value;
}

function optionalString(body: Json, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function toAttachments(value: unknown): AttachmentSource[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((entry: Json) => ({
    filename: required(entry, 'filename'),
    contentType: optionalString(entry, 'content_type') ?? 'application/octet-stream',
    text: optionalString(entry, 'text'),
    base64: optionalString(entry, 'base64'),
    description: optionalString(entry, 'description'),
  }));
}

/**
 * The JSON control API under `/_control`, for processes that cannot use the in-process API (a bot
 * started with `npm run emulator`). Every endpoint maps to one in-process method; see README.md.
 */
const routes: Array<[HttpMethod, string, ControlHandler]> = [
  ['GET', '/_control/state', (emulator) => emulator.describeState()],
  [
    'POST',
    '/_control/messages',
    (emulator, { body }) =>
      emulator.userSays({
        channelId: required(body, 'channel_id'),
        authorId: required(body, 'author_id'),
        content: typeof body.content === 'string' ? body.content : '',
        replyTo: optionalString(body, 'reply_to'),
        attachments: toAttachments(body.attachments),
        sentAt: typeof body.sent_at === 'number' ? body.sent_at : undefined,
      }),
  ],
  [
    'POST',
    '/_control/interactions',
    (emulator, { body }) => {
      const { id } = emulator.invokeCommand({
        channelId: required(body, 'channel_id'),
        userId: required(body, 'user_id'),
        name: required(body, 'name'),
        subcommand: optionalString(body, 'subcommand'),
        subcommandGroup: optionalString(body, 'subcommand_group'),
        options: (body.options as Record<string, CommandOptionValue> | undefined) ?? {},
      });
      return { id };
    },
  ],
  ['GET', '/_control/interactions/:id', (emulator, { params }) => emulator.interactionResponses(params.id ?? '')],
  [
    'POST',
    '/_control/components',
    (emulator, { body }) => {
      const values = Array.isArray(body.values) ? body.values.map(String) : undefined;
      const spec = { messageId: required(body, 'message_id'), customId: required(body, 'custom_id'), userId: required(body, 'user_id') };
      return { id: (values ? emulator.selectOptions({ ...spec, values }) : emulator.clickButton(spec)).id };
    },
  ],
  [
    'POST',
    '/_control/modals',
    (emulator, { body }) => ({
      id: emulator.submitModal({
        interactionId: required(body, 'interaction_id'),
        customId: optionalString(body, 'custom_id'),
        fields: (body.fields as Record<string, string | string[]> | undefined) ?? {},
        userId: optionalString(body, 'user_id'),
      }).id,
    }),
  ],
  ['GET', '/_control/channels/:id/messages', (emulator, { params }) => emulator.channelMessages(params.id ?? '')],
  ['GET', '/_control/channels/:id/threads', (emulator, { params }) => emulator.threads(params.id ?? '')],
  ['GET', '/_control/commands', (emulator) => emulator.commands()],
  ['GET', '/_control/pings', (emulator) => emulator.pings],
  ['GET', '/_control/typing', (emulator, { query }) => emulator.typingIndicators(query.get('channel_id') ?? undefined)],
  [
    'POST',
    '/_control/faults',
    (emulator, { body }) => {
      const action = required(body, 'action');
      if (action === 'drop_gateway') emulator.faults.dropGateway();
      else if (action === 'fail_rest') emulator.faults.failNextRest(Number(body.count ?? 1), Number(body.status ?? 500));
      else if (action === 'delay_rest') emulator.faults.delayRest(Number(body.ms ?? 0));
      else if (action === 'clear') emulator.faults.clear();
      else throw new Error(`unknown fault action "${action}" (drop_gateway, fail_rest, delay_rest, clear)`);
      return { ok: true };
    },
  ],
  [
    'POST',
    '/_control/limits',
    (emulator, { body }) => {
      const limit = body.max_active_threads;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw new Error('"max_active_threads" is required (an integer ≥ 0)');
      emulator.setMaxActiveThreads(limit);
      return { ok: true };
    },
  ],
];

const router = new Router<ControlHandler>();
for (const [method, pattern, handler] of routes) router.add(method, pattern, handler);

/** Answers one control request; errors come back as `{ error, code? }` with 400 (or Discord's status). */
export async function handleControlRequest(emulator: DiscordEmulator, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  try {
    const match = router.match(request.method ?? 'GET', decodePathSegments(url.pathname));
    if (!('value' in match)) {
      sendJson(response, match.methodMismatch ? 405 : 404, { error: `no control endpoint ${request.method} ${url.pathname}` });
      return;
    }
    const body = (await parseBody(await readRawBody(request), request.headers['content-type'])).json;
    const result = await match.value(emulator, { params: match.params, body: (body ?? {}) as Json, query: url.searchParams });
    sendJson(response, 200, result);
  } catch (error) {
    if (error instanceof DiscordApiError) sendJson(response, error.status, { error: error.message, code: error.code, errors: error.errors });
    else if (error instanceof InvalidJsonError || error instanceof Error) sendJson(response, 400, { error: error.message });
    else sendJson(response, 500, { error: String(error) });
  }
}
