import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * The root logger: JSON lines on stdout (or `destination`), structured object first, short message
 * second. Secrets are redacted wherever they appear under these keys, and errors are serialized
 * without the data a failed statement was given (see {@link serializeError}).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'matryoshka' },
      redact: { paths: ['token', '*.token', 'apiKey', '*.apiKey', 'password', '*.password', 'authorization', '*.authorization'], censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and tools that report on their own. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Fields of database errors that hold what a statement was given or found: drizzle's and PGlite's
 * `params`, postgres.js's `parameters` and `args` (enumerable when its debug option is on), and
 * PostgreSQL's `detail`, which quotes row values ("Failing row contains (…)", "Key (…)=(…)").
 * Those are whole user messages and attached files, which no log line may hold.
 */
const USER_DATA_FIELDS = ['params', 'parameters', 'args', 'detail'] as const;

/** What drizzle appends to its message after the SQL: `Failed query: <sql>\nparams: <every parameter>`. */
const DRIZZLE_PARAMS = '\nparams: ';
const MAX_CAUSES = 10;

type ErrorLike = Error & Record<string, unknown>;
type SerializedError = Record<string, unknown>;

const isErrorLike = (value: unknown): value is ErrorLike =>
  typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';

/**
 * pino's error serializer, minus the user content a failed statement carries: the fields above are
 * dropped and drizzle's parameter list is cut from the message and the stack, in the error and in
 * each of its causes. The SQL text, the code, the constraint and the message stay. The cause is
 * also kept as an object of its own (without its stack, which the top-level stack already holds),
 * so that, say, PostgreSQL's error code survives drizzle's wrapper.
 */
export function serializeError(error: unknown): unknown {
  return isErrorLike(error) ? scrub(error, new Set(), 0) : error;
}

function scrub(error: ErrorLike, seen: Set<unknown>, depth: number): SerializedError {
  seen.add(error);
  const serialized = pino.stdSerializers.err(error) as unknown as SerializedError;
  for (const field of USER_DATA_FIELDS) delete serialized[field];
  for (const link of causeChain(error)) {
    const cut = withoutParameters(link);
    if (cut === link.message) continue;
    for (const key of ['message', 'stack']) {
      const text = serialized[key];
      if (typeof text === 'string') serialized[key] = text.split(link.message).join(cut);
    }
  }
  const nested = (value: unknown): unknown => (seen.has(value) || depth >= MAX_CAUSES ? '[not logged: circular or too deep]' : scrub(value as ErrorLike, seen, depth + 1));
  // pino serialized these with its own serializer, which keeps every field.
  for (const key of Object.keys(serialized)) {
    if (key !== 'cause' && isErrorLike(error[key])) serialized[key] = nested(error[key]);
  }
  if (Array.isArray(error.errors)) serialized.aggregateErrors = error.errors.map((item) => (isErrorLike(item) ? nested(item) : item));
  if (isErrorLike(error.cause)) {
    const cause = nested(error.cause);
    if (typeof cause === 'object' && cause !== null) delete (cause as SerializedError).stack;
    serialized.cause = cause;
  }
  return serialized;
}

/** The error and its causes, outermost first, without looping on a cycle. */
function causeChain(error: ErrorLike): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let link: unknown = error; isErrorLike(link) && !chain.includes(link) && chain.length <= MAX_CAUSES; link = link.cause) chain.push(link);
  return chain;
}

/** The message without drizzle's list of parameters, saying they were left out. */
function withoutParameters(error: ErrorLike): string {
  const { message } = error;
  const sqlPart = typeof error.query === 'string' ? `Failed query: ${error.query}` : undefined;
  const at = sqlPart !== undefined && message.startsWith(`${sqlPart}${DRIZZLE_PARAMS}`) ? sqlPart.length : message.indexOf(DRIZZLE_PARAMS);
  return at === -1 ? message : `${message.slice(0, at)}${DRIZZLE_PARAMS}[not logged]`;
}
