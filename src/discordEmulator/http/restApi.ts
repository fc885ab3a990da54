import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { DiscordApiError, DiscordErrors } from '../errors.js';
import type { EmulatorFaults } from '../faults.js';
import type { RateLimiter } from '../rateLimits.js';
import type { RestRequest, RestResult, RestRoute } from '../rest/types.js';
import { InvalidJsonError, parseBody, readRawBody } from './body.js';
import { sendJson, sleep } from './respond.js';
import { Router, decodePathSegments, type HttpMethod } from './router.js';

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface Outcome {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
}

function errorOutcome(error: DiscordApiError, headers: Record<string, string> = {}): Outcome {
  return { status: error.status, body: error.toBody(), headers: { ...headers, ...error.headers } };
}

function tooManyRequests(retryAfterSeconds: number, headers: Record<string, string>): Outcome {
  const retryAfter = retryAfterSeconds.toFixed(3);
  return {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: Number(retryAfter), global: false },
    headers: { 'x-ratelimit-scope': 'user', ...headers, 'retry-after': retryAfter },
  };
}

/**
 * The REST API under `/api/v10`: routing with percent-decoded segments, injected delays and
 * failures, bot-token auth, rate limits, then the route handler. Every request is logged in
 * `state.restRequests`.
 */
export class RestApi {
  private readonly router = new Router<RestRoute>();

  constructor(
    private readonly context: EmulatorContext,
    private readonly faults: EmulatorFaults,
    private readonly rateLimiter: RateLimiter,
    routes: readonly RestRoute[],
  ) {
    for (const route of routes) this.router.add(route.method, route.pattern, route);
  }

  /** Answers one request; `path` is below `/api/v10`. */
  async handle(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = request.method ?? 'GET';
    const raw = await readRawBody(request);
    let parsed: unknown;
    let routeKey: string | null = null;
    let outcome: Outcome;
    try {
      const match = METHODS.has(method) ? this.router.match(method, decodePathSegments(path)) : { methodMismatch: true };
      if (!('value' in match)) {
        outcome = errorOutcome(match.methodMismatch ? DiscordErrors.methodNotAllowed() : DiscordErrors.notFound());
      } else {
        const route = match.value;
        routeKey = `${route.method} ${route.pattern}`;
        const body = await parseBody(raw, request.headers['content-type']);
        parsed = body.json;
        const restRequest: RestRequest = { method: method as HttpMethod, path, params: match.params, query, body: body.json, files: body.files, headers: request.headers };
        outcome = await this.run(route, routeKey, restRequest);
      }
    } catch (error) {
      if (error instanceof InvalidJsonError) outcome = { status: 400, body: { code: 50109, message: error.message }, headers: {} };
      else if (error instanceof DiscordApiError) outcome = errorOutcome(error);
      else {
        const internal = error instanceof Error ? error : new Error(String(error));
        this.context.state.internalErrors.push(internal);
        outcome = { status: 500, body: { code: 0, message: `500: Emulator error: ${internal.message}` }, headers: {} };
      }
    }
    const body = outcome.body as { code?: unknown } | undefined;
    this.context.state.recordRestRequest({
      method,
      path,
      route: routeKey,
      status: outcome.status,
      errorCode: outcome.status >= 400 && typeof body?.code === 'number' ? body.code : null,
      body: parsed,
      at: Date.now(),
    });
    sendJson(response, outcome.status, outcome.body, outcome.headers);
  }

  private async run(route: RestRoute, routeKey: string, request: RestRequest): Promise<Outcome> {
    const delay = this.faults.restDelay(routeKey, request.method, request.path);
    if (delay > 0) await sleep(delay);
    const failure = this.faults.takeRestFailure(routeKey, request.method, request.path);
    if (failure?.status === 429) {
      // Like a real 429: the bucket is empty until Retry-After, so discord.js holds the route, then retries.
      const resetAfter = (failure.retryAfterMs / 1000).toFixed(3);
      const headers = { 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': resetAfter, 'x-ratelimit-reset': ((Date.now() + failure.retryAfterMs) / 1000).toFixed(3) };
      return tooManyRequests(failure.retryAfterMs / 1000, headers);
    }
    if (failure) return { status: failure.status, body: { code: 0, message: `${failure.status}: Injected failure` }, headers: {} };
    // A 401 makes @discordjs/rest drop its token for good, so only a genuinely wrong token gets one.
    if (route.auth === 'bot' && request.headers.authorization !== `Bot ${this.context.options.token}`) return errorOutcome(DiscordErrors.unauthorized());
    let headers: Record<string, string> = {};
    if (route.rateLimited !== false) {
      const major = route.majorParameter ? request.params[route.majorParameter] ?? '' : '';
      const decision = this.rateLimiter.take(routeKey, major);
      if (decision && !decision.allowed) return tooManyRequests(decision.retryAfterSeconds, decision.headers);
      headers = decision?.headers ?? {};
    }
    try {
      const result: RestResult = await route.handle(request, this.context);
      return { status: result.status, body: result.body, headers };
    } catch (error) {
      if (error instanceof DiscordApiError) return errorOutcome(error, headers);
      throw error;
    }
  }
}
