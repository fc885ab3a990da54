import type { APIChannel, APIMessage, APIThreadChannel } from 'discord-api-types/v10';

/**
 * Something observable that happened in the emulator. Tests wait on these; the log also feeds the
 * diagnostics printed when a wait times out.
 */
export type EmulatorEvent =
  | { type: 'messageCreated'; message: APIMessage; ephemeral: boolean }
  | { type: 'messageUpdated'; message: APIMessage; ephemeral: boolean }
  | { type: 'messageDeleted'; messageId: string; channelId: string }
  | { type: 'threadCreated'; thread: APIThreadChannel }
  | { type: 'threadUpdated'; thread: APIThreadChannel }
  | { type: 'channelCreated'; channel: APIChannel }
  | { type: 'channelDeleted'; channel: APIChannel }
  | { type: 'guildDeleted'; guildId: string }
  | { type: 'interactionCreated'; interactionId: string }
  | { type: 'interactionResponded'; interactionId: string; action: InteractionResponseAction }
  | { type: 'typing'; channelId: string; userId: string }
  | { type: 'reactionAdded' | 'reactionRemoved'; messageId: string; userId: string; emoji: string }
  | { type: 'commandsChanged'; guildId: string | null }
  | { type: 'gatewayIdentified' | 'gatewayResumed' | 'gatewayDisconnected'; sessionId: string };

/** What the bot did with an interaction. */
export type InteractionResponseAction =
  | 'callback'
  | 'originalEdited'
  | 'originalDeleted'
  | 'followupCreated'
  | 'followupEdited'
  | 'followupDeleted';

/** An event with its position in the log and when it happened. */
export type LoggedEvent = EmulatorEvent & { index: number; at: number };

type Listener = (event: LoggedEvent) => void;

/** Append-only log of {@link EmulatorEvent}s with synchronous listeners. */
export class EventLog {
  private readonly entries: LoggedEvent[] = [];
  private readonly listeners = new Set<Listener>();

  /** Appends an event and notifies listeners. A throwing listener does not stop the others. */
  record(event: EmulatorEvent): void {
    const logged: LoggedEvent = { ...event, index: this.entries.length, at: Date.now() };
    this.entries.push(logged);
    for (const listener of [...this.listeners]) listener(logged);
  }

  /** Every event so far, oldest first. */
  all(): readonly LoggedEvent[] {
    return this.entries;
  }

  /** Calls `listener` for each future event until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Thrown by the `waitFor…` helpers when nothing matched in time. */
export class WaitTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

/** Options shared by every `waitFor…` helper. */
export interface WaitOptions {
  /** Give up after this long (default: the emulator's `defaultWaitTimeoutMs`, 5 s). */
  timeoutMs?: number;
}

/**
 * Resolves with the first non-undefined result of `evaluate`, which is run now and again after
 * every event; rejects with a {@link WaitTimeoutError} carrying `describe()` and `diagnostics()`.
 */
export function waitForCondition<T>(
  log: EventLog,
  evaluate: (event: LoggedEvent | null) => T | undefined,
  settings: { timeoutMs: number; describe: string; diagnostics: () => string },
): Promise<T> {
  const immediate = evaluate(null);
  if (immediate !== undefined) return Promise.resolve(immediate);
  return new Promise<T>((resolve, reject) => {
    const finish = (action: () => void): void => {
      clearTimeout(timer);
      unsubscribe();
      action();
    };
    const unsubscribe = log.subscribe((event) => {
      let result: T | undefined;
      try {
        result = evaluate(event);
      } catch (error) {
        finish(() => reject(error));
        return;
      }
      if (result !== undefined) finish(() => resolve(result));
    });
    const timer = setTimeout(() => {
      finish(() =>
        reject(new WaitTimeoutError(`Timed out after ${settings.timeoutMs} ms waiting for ${settings.describe}.\n${settings.diagnostics()}`)),
      );
    }, settings.timeoutMs);
  });
}
