import type { Sql } from 'postgres';

type Callback = (sql: Sql) => unknown;

/**
 * The postgres.js client with every query prepared. Drizzle marks each query it did not name
 * `prepare: false`, and postgres.js then sends a query with parameters in two round trips (one
 * to learn the parameter types, one to run it) and the server parses and plans it every time.
 * Prepared, the statement is described once per connection and then runs in one round trip.
 * postgres.js keeps one statement per distinct query text per connection, and re-prepares one
 * whose plan a migration invalidated.
 *
 * Transactions and savepoints hand drizzle a new client, so those are wrapped too.
 */
export function preparingClient(client: Sql): Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      switch (property) {
        case 'unsafe':
          return (query: string, parameters?: unknown[], options?: object) =>
            target.unsafe(query, parameters as never, { ...options, prepare: true });
        case 'begin':
        case 'savepoint':
          return (...args: unknown[]) => (value as (...wrapped: unknown[]) => unknown).apply(target, args.map(wrapCallback));
        default:
          return value;
      }
    },
  });
}

function wrapCallback(argument: unknown): unknown {
  return typeof argument === 'function' ? (sql: Sql) => (argument as Callback)(preparingClient(sql)) : argument;
}
