/** HTTP methods the emulator routes. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A route found for a request: the registered value and the decoded `:name` parameters. */
export interface RouteMatch<Value> {
  value: Value;
  params: Record<string, string>;
  /** The pattern that matched, e.g. `/channels/:channelId/messages`. */
  pattern: string;
}

interface RouteEntry<Value> {
  method: HttpMethod;
  pattern: string;
  segments: string[];
  value: Value;
}

/**
 * Splits a path into percent-decoded segments. discord-api-types encodes any id that is not plain
 * `[A-Za-z0-9-_%]`, so `@me` and `@original` arrive as `%40me` and `%40original`.
 */
export function decodePathSegments(path: string): string[] {
  return path
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

/** A small method + path router. Literal segments win over `:parameters` when both match. */
export class Router<Value> {
  private readonly entries: RouteEntry<Value>[] = [];

  add(method: HttpMethod, pattern: string, value: Value): void {
    this.entries.push({ method, pattern, segments: decodePathSegments(pattern), value });
    // More literal segments first, so `/users/@me` beats `/users/:userId`.
    this.entries.sort((left, right) => literalCount(right.segments) - literalCount(left.segments));
  }

  /** The route for `method` and `segments`; `methodMismatch` tells 405 from 404. */
  match(method: string, segments: readonly string[]): RouteMatch<Value> | { methodMismatch: boolean } {
    let pathMatched = false;
    for (const entry of this.entries) {
      const params = matchSegments(entry.segments, segments);
      if (!params) continue;
      if (entry.method !== method) {
        pathMatched = true;
        continue;
      }
      return { value: entry.value, params, pattern: entry.pattern };
    }
    return { methodMismatch: pathMatched };
  }
}

function literalCount(segments: readonly string[]): number {
  return segments.filter((segment) => !segment.startsWith(':')).length;
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index += 1) {
    const expected = pattern[index] as string;
    const value = actual[index] as string;
    if (expected.startsWith(':')) params[expected.slice(1)] = value;
    else if (expected !== value) return null;
  }
  return params;
}
