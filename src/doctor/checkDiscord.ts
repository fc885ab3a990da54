import type { Config } from '../config.js';
import { type CheckResult, describeError, fail, ok, skip } from './check.js';

/** Options of {@link checkDiscord}. */
export interface DiscordCheckOptions {
  /** Per request. Default 5 s. */
  timeoutMs?: number;
}

/** Application flags meaning the privileged Message Content intent is on (the second: unverified, under 100 servers). */
const GATEWAY_MESSAGE_CONTENT = 1 << 18;
const GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19;

const PORTAL = 'https://discord.com/developers/applications';

type Json = Record<string, unknown>;

/**
 * Checks DISCORD_TOKEN over REST (no gateway session, so a running bot is not disturbed): who the
 * bot is, its application, and whether the Message Content intent is enabled — without it the
 * gateway refuses the bot's identify (close code 4014) and it never comes online.
 */
export async function checkDiscord(config: Config, options: DiscordCheckOptions = {}): Promise<CheckResult[]> {
  if (config.discord.token === null) return [skip('discord token', 'PLAYGROUND is set: the bot runs on its built-in Discord emulator, with no token')];
  const base = config.discord.apiUrl.replace(/\/+$/, '');
  const get = async (path: string): Promise<{ body: Json } | { failure: CheckResult }> => {
    let response: Response;
    try {
      response = await fetch(`${base}/v10${path}`, {
        headers: { authorization: `Bot ${config.discord.token}` },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      return { failure: unreachable(error, base) };
    }
    const body = (await response.json().catch(() => ({}))) as Json;
    return response.status === 200 ? { body } : { failure: refused(response.status, body, base) };
  };
  const [user, application] = await Promise.all([get('/users/@me'), get('/applications/@me')]);
  if ('failure' in user) return [user.failure];
  if ('failure' in application) return [application.failure];
  const { body: bot } = user;
  const { body: app } = application;
  const flags = Number(app.flags ?? 0);
  const token = ok('discord token', `bot ${String(bot.username)} (id ${String(bot.id)}), application ${String(app.id)}`);
  if (flags & GATEWAY_MESSAGE_CONTENT) return [token, ok('message content intent', 'enabled')];
  if (flags & GATEWAY_MESSAGE_CONTENT_LIMITED) return [token, ok('message content intent', 'enabled (limited: unverified bot in under 100 servers)')];
  return [
    token,
    fail(
      'message content intent',
      `not enabled for application ${String(app.id)}: the gateway would refuse the bot`,
      `open ${PORTAL}/${String(app.id)}/bot and turn on Message Content Intent under Privileged Gateway Intents`,
    ),
  ];
}

function unreachable(error: unknown, base: string): CheckResult {
  const timedOut = error instanceof Error && error.name === 'TimeoutError';
  return fail(
    'discord token',
    timedOut ? `no answer from ${base}` : `cannot reach ${base}: ${describeError(error)}`,
    'check the network, or DISCORD_API_URL if you set it (unset means Discord itself)',
  );
}

function refused(status: number, body: Json, base: string): CheckResult {
  if (status === 401) {
    return fail(
      'discord token',
      'Discord rejected the token (401)',
      `reset it in the developer portal (${PORTAL} → your application → Bot → Reset Token) and put the new one in DISCORD_TOKEN`,
    );
  }
  const message = typeof body.message === 'string' ? `: ${body.message}` : '';
  return fail('discord token', `${base} answered ${status}${message}`, 'try again later; if it persists, check DISCORD_API_URL and https://discordstatus.com');
}
