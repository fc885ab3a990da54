import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The root logger: JSON lines on stdout, structured object first, short message second.
 * Secrets are redacted wherever they appear under these keys.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'matryoshka' },
    redact: { paths: ['token', '*.token', 'apiKey', '*.apiKey', 'password', '*.password', 'authorization', '*.authorization'], censor: '[redacted]' },
  });
}

/** A logger that writes nothing, for tests and tools that report on their own. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
