/** How one line of the doctor report came out: `warn` and `skip` do not fail the run. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of the doctor report; `fix` says what to do when the line is not ok. */
export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

/** A passed check. */
export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });

/** A check that makes `doctor` exit non-zero; `fix` is required so every ✗ says what to do. */
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix });

/** Worth knowing, but the bot can start anyway. */
export const warn = (name: string, detail: string, fix?: string): CheckResult => ({ name, status: 'warn', detail, ...(fix ? { fix } : {}) });

/** Not run, because something it depends on failed first. */
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

/**
 * An error as one readable phrase. `fetch`, the openai SDK and postgres.js wrap the useful part
 * (ECONNREFUSED, ENOTFOUND, …) in a chain of `cause`s, so the innermost one is appended.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let root: Error = error;
  while (root.cause instanceof Error) root = root.cause;
  if (root === error) return error.message;
  const code = (root as NodeJS.ErrnoException).code;
  const rootText = (code && !root.message.includes(code) ? `${code} ${root.message}` : root.message).trim();
  return !rootText || error.message.includes(rootText) ? error.message : `${error.message} (${rootText})`;
}
