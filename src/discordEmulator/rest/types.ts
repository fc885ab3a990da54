import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorContext } from '../context.js';
import { invalidFormBody } from '../errors.js';
import type { UploadedFile } from '../http/body.js';
import type { HttpMethod } from '../http/router.js';

/** A REST request after routing and body parsing. */
export interface RestRequest {
  method: HttpMethod;
  /** Path below `/api/v10`, as received. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
  headers: IncomingHttpHeaders;
}

/** What a handler answers: a status and an optional JSON body (none for 204). */
export interface RestResult {
  status: number;
  body?: unknown;
}

/** One REST endpoint. */
export interface RestRoute {
  method: HttpMethod;
  /** Path pattern below `/api/v10`, `:name` for parameters. */
  pattern: string;
  /** `none` for routes discord.js calls without Authorization (interaction callbacks, webhook tokens). */
  auth: 'bot' | 'none';
  /** Parameter whose value selects the rate-limit bucket (Discord's "major parameter"). */
  majorParameter?: string;
  /** Interaction callbacks are exempt from rate limits, as on Discord. */
  rateLimited?: boolean;
  handle(request: RestRequest, context: EmulatorContext): RestResult | Promise<RestResult>;
}

/** 200 with a JSON body. */
export function json(body: unknown, status = 200): RestResult {
  return { status, body };
}

/** 204 No Content. */
export function noContent(): RestResult {
  return { status: 204 };
}

/** A route parameter; the router guarantees it exists for the patterns that declare it. */
export function param(request: RestRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`route has no parameter ${name}`);
  return value;
}

/** The JSON body as an object, or 50035 when it is something else. */
export function bodyObject(request: RestRequest): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidFormBody([{ path: [], code: 'DICT_TYPE_CONVERT', message: 'Only dictionaries may be used in a DictType' }]);
  }
  return body as Record<string, unknown>;
}

/** Discord accepts `true`/`True`/`1` for boolean query parameters. */
export function queryFlag(request: RestRequest, name: string): boolean {
  const value = request.query.get(name);
  return value !== null && ['true', 'True', '1'].includes(value);
}
