import type { Logger } from 'pino';
import type { ProcessSignals, SignalTopic } from '../agents/ports.js';
import type { DatabaseHandle, Notifications } from './database.js';

/** The NOTIFY channel every bot process of one database listens on. */
export const SIGNAL_CHANNEL = 'matryoshka_signals';
const TOPICS: readonly SignalTopic[] = ['work', 'claims', 'helpers', 'deferred', 'schedules'];

/** Signals between the processes of one database, and how to stop them. */
export interface OpenSignals {
  readonly signals: ProcessSignals;
  /** How they travel, for the log and /healthz: `none` (PGlite: one process), `notify`, or `poll`. */
  readonly mode: 'none' | 'notify' | 'poll';
  close(): Promise<void>;
}

/**
 * PGlite: nothing (its lock lets one process in). A server: LISTEN/NOTIFY, or, when `pollMs` is
 * set (a pooler in transaction mode, where a LISTEN is lost with its transaction), every topic as
 * if signalled every `pollMs`.
 */
export async function openSignals(database: DatabaseHandle, options: { owner: string; pollMs: number | null }, logger: Logger): Promise<OpenSignals> {
  if (!database.notifications) return { signals: { send() {}, on() {} }, mode: 'none', close: async () => {} };
  if (options.pollMs !== null) return pollingSignals(options.pollMs);
  return notifySignals(database.notifications, options.owner, logger);
}

function pollingSignals(pollMs: number): OpenSignals {
  const listeners: Array<() => void> = [];
  const timer = setInterval(() => listeners.forEach((listener) => listener()), pollMs);
  return {
    signals: { send() {}, on: (_topic, listener) => void listeners.push(listener) },
    mode: 'poll',
    close: async () => clearInterval(timer),
  };
}

async function notifySignals(notifications: Notifications, owner: string, logger: Logger): Promise<OpenSignals> {
  const listeners = new Map<SignalTopic, Array<() => void>>(TOPICS.map((topic) => [topic, []]));
  const deliver = (topic: SignalTopic) => listeners.get(topic)!.forEach((listener) => listener());
  let connections = 0;
  const subscription = await notifications.listen(
    SIGNAL_CHANNEL,
    (payload) => {
      const signal = parseSignal(payload);
      if (!signal) logger.warn({ channel: SIGNAL_CHANNEL, payload: payload.slice(0, 200) }, 'ignored a signal that is not one of ours');
      else if (signal.from !== owner) deliver(signal.topic);
    },
    () => {
      connections += 1;
      // Signals sent while the connection was down are lost: act as if each had come.
      if (connections > 1) TOPICS.forEach(deliver);
    },
  );
  return {
    signals: {
      send: (topic) => {
        notifications
          .notify(SIGNAL_CHANNEL, JSON.stringify({ topic, from: owner }))
          .catch((error: unknown) => logger.warn({ err: error, topic }, 'could not signal the other processes'));
      },
      on: (topic, listener) => void listeners.get(topic)!.push(listener),
    },
    mode: 'notify',
    close: () => subscription.unlisten(),
  };
}

function parseSignal(payload: string): { topic: SignalTopic; from: string } | null {
  try {
    const parsed = JSON.parse(payload) as { topic?: unknown; from?: unknown };
    return TOPICS.includes(parsed.topic as SignalTopic) && typeof parsed.from === 'string' ? { topic: parsed.topic as SignalTopic, from: parsed.from } : null;
  } catch {
    return null;
  }
}
