import type { GatewayServer } from './gateway/server.js';

/** Which REST requests a fault applies to: a route key (`POST /channels/:channelId/messages`) or a RegExp over `METHOD /path`. */
export type RestRouteFilter = string | RegExp;

/** Options of {@link EmulatorFaults.failNextRest}. */
export interface RestFailureOptions {
  /** Only requests on this route count (default: every REST request except GET /gateway/bot). */
  route?: RestRouteFilter;
  /** `Retry-After` of injected 429s (default 50 ms). */
  retryAfterMs?: number;
}

/** An injected failure to answer a request with. */
export interface InjectedFailure {
  status: number;
  retryAfterMs: number;
}

interface PendingFailure extends InjectedFailure {
  remaining: number;
  route: RestRouteFilter | undefined;
}

interface PendingDelay {
  milliseconds: number;
  route: RestRouteFilter | undefined;
}

function routeMatches(filter: RestRouteFilter | undefined, routeKey: string, method: string, path: string): boolean {
  if (filter === undefined) return routeKey !== 'GET /gateway/bot';
  if (typeof filter === 'string') return filter === routeKey;
  return filter.test(`${method} ${path}`);
}

/**
 * Fault injection for tests: failing or slow REST calls and gateway disconnects. Faults affect only
 * what happens after they are set; {@link clear} removes the REST ones.
 */
export class EmulatorFaults {
  private failures: PendingFailure[] = [];
  private delays: PendingDelay[] = [];

  constructor(private readonly gateway: GatewayServer) {}

  /**
   * Answers the next `count` matching REST requests with `status` (500, 502, 503 or 429) instead of
   * handling them. discord.js retries 5xx up to `rest.retries` (3) times and 429s after `Retry-After`.
   */
  failNextRest(count: number, status: number, options: RestFailureOptions = {}): void {
    this.failures.push({ remaining: count, status, route: options.route, retryAfterMs: options.retryAfterMs ?? 50 });
  }

  /** Delays every matching REST response by `milliseconds` until {@link clear} (or `delayRest(0)`). */
  delayRest(milliseconds: number, options: { route?: RestRouteFilter } = {}): void {
    this.delays = this.delays.filter((delay) => delay.route !== options.route);
    if (milliseconds > 0) this.delays.push({ milliseconds, route: options.route });
  }

  /** Removes pending REST failures and delays. */
  clear(): void {
    this.failures = [];
    this.delays = [];
  }

  /** Drops every gateway connection without a close frame; clients reconnect and RESUME, missing nothing. */
  dropGateway(): void {
    this.gateway.dropConnections();
  }

  /** Sends op 7 RECONNECT to every connection (clients resume on `resume_gateway_url`). */
  requestReconnect(): void {
    this.gateway.sendReconnect();
  }

  /** Sends op 9 INVALID_SESSION; `resumable: false` makes clients start new sessions with IDENTIFY. */
  invalidateSessions(resumable: boolean): void {
    this.gateway.invalidateSessions(resumable);
  }

  /** Stops (or resumes) answering heartbeats; discord.js treats the silence as a zombie link and resumes. */
  withholdHeartbeatAcks(withhold = true): void {
    this.gateway.withholdHeartbeatAcks = withhold;
  }

  /** Consumes and returns the failure for this request, if one is pending. @internal */
  takeRestFailure(routeKey: string, method: string, path: string): InjectedFailure | null {
    const failure = this.failures.find((candidate) => routeMatches(candidate.route, routeKey, method, path));
    if (!failure) return null;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.failures = this.failures.filter((candidate) => candidate !== failure);
    return { status: failure.status, retryAfterMs: failure.retryAfterMs };
  }

  /** Milliseconds to hold this request before answering. @internal */
  restDelay(routeKey: string, method: string, path: string): number {
    return this.delays.filter((delay) => routeMatches(delay.route, routeKey, method, path)).reduce((total, delay) => total + delay.milliseconds, 0);
  }
}
