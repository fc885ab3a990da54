import type { CheckResult, CheckStatus } from './check.js';

const SYMBOL: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/**
 * The report a person reads: one line per check, and an indented "fix:" under each that needs
 * one. Every secret is replaced by `***` wherever it appears, as a last guard: the checks do not
 * mean to print secrets, but error messages from libraries and servers are not ours to vouch for.
 */
export function formatReport(results: readonly CheckResult[], secrets: readonly string[] = []): string {
  const width = Math.max(...results.map((result) => result.name.length));
  const lines = results.flatMap((result) => {
    const line = `${SYMBOL[result.status]} ${result.name.padEnd(width)}  ${result.detail}`;
    return result.fix ? [line, `    fix: ${result.fix}`] : [line];
  });
  const failed = results.filter((result) => result.status === 'fail').length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} check(s) failed.`);
  return redact(`${lines.join('\n')}\n`, secrets);
}

/** 1 when any check failed (warnings and skips do not count), else 0. */
export function exitCodeFor(results: readonly CheckResult[]): 0 | 1 {
  return results.some((result) => result.status === 'fail') ? 1 : 0;
}

/** Shorter values are not treated as secrets: scrubbing "x" from a report would mangle every word. */
const MIN_SECRET_LENGTH = 8;

/** The secrets in an environment: the Discord token, the API key, and the database password. */
export function secretsOf(env: Record<string, string | undefined>): string[] {
  const secrets = [env.DISCORD_TOKEN, env.OPENAI_API_KEY];
  try {
    const password = env.DATABASE_URL ? new URL(env.DATABASE_URL).password : '';
    secrets.push(password, decodeURIComponent(password));
  } catch {
    // An unparseable URL is reported by the config check, and redactUrl never prints it whole.
  }
  return secrets.filter((secret): secret is string => secret !== undefined && secret.trim().length >= MIN_SECRET_LENGTH);
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((redacted, secret) => redacted.split(secret.trim()).join('***'), text);
}
