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
  | { type: 'channelUpdated'; channel: APIChannel }
  | { type: 'channelDeleted'; channel: APIChannel }
  | { type: 'directMessageOpened'; channelId: string; userId: string }
  | { type: 'userCreated'; userId: string }
  | { type: 'guildCreated'; guildId: string }
  | { type: 'guildDeleted'; guildId: string }
  | { type: 'memberAdded'; guildId: string; userId: string }
  | { type: 'roleCreated'; guildId: string; roleId: string }
  | { type: 'interactionCreated'; interactionId: string }
  | { type: 'interactionResponded'; interactionId: string; action: InteractionResponseAction }
  | { type: 'typing'; channelId: string; userId: string }
  | { type: 'reactionAdded' | 'reactionRemoved'; messageId: string; userId: string; emoji: string }
  | { type: 'threadMembersUpdated'; threadId: string; userId: string; member: boolean }
  | { type: 'webhookCreated' | 'webhookDeleted'; webhookId: string; channelId: string }
  | { type: 'commandsChanged'; guildId: string | null }
  | { type: 'gatewayIdentified' | 'gatewayDisconnected'; sessionId: string }
  /** `viaResumeUrl`: the client reconnected on READY's `resume_gateway_url`, as it should. */
  | { type: 'gatewayResumed'; sessionId: string; viaResumeUrl: boolean };

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

/** Append-only log of {@link EmulatorEvent}s with synchronous listeners; keeps the last `limit`. */
export class EventLog {
  private readonly entries: LoggedEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private recorded = 0;

  constructor(private readonly limit: number = 10_000) {}

  /** Appends an event and notifies listeners (which must not throw). */
  record(event: EmulatorEvent): void {
    const logged: LoggedEvent = { ...event, index: this.recorded, at: Date.now() };
    this.recorded += 1;
    this.entries.push(logged);
    // Trim in batches: a benchmark records an event per message.
    if (this.entries.length > this.limit * 1.25) this.entries.splice(0, this.entries.length - this.limit);
    for (const listener of [...this.listeners]) listener(logged);
  }

  /** The retained events, oldest first. */
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
 * Resolves with the first non-undefined result of `evaluate`, which is run now, again after every
 * event (with that event) and, with `pollIntervalMs`, periodically (with null); rejects with a {@link WaitTimeoutError} carrying `describe()` and `diagnostics()`.
 */
export function waitForCondition<T>(
  log: EventLog,
  evaluate: (event: LoggedEvent | null) => T | undefined,
  settings: { timeoutMs: number; describe: string; diagnostics: () => string; pollIntervalMs?: number },
): Promise<T> {
  const immediate = evaluate(null);
  if (immediate !== undefined) return Promise.resolve(immediate);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (poller) clearInterval(poller);
      unsubscribe();
      action();
    };
    const check = (event: LoggedEvent | null): void => {
      let result: T | undefined;
      try {
        result = evaluate(event);
      } catch (error) {
        finish(() => reject(error));
        return;
      }
      if (result !== undefined) finish(() => resolve(result));
    };
    const unsubscribe = log.subscribe(check);
    // Conditions on the bot's own state (its database, its cache) change without emulator events.
    const poller = settings.pollIntervalMs ? setInterval(() => check(null), settings.pollIntervalMs) : undefined;
    const timer = setTimeout(() => {
      finish(() =>
        reject(new WaitTimeoutError(`Timed out after ${settings.timeoutMs} ms waiting for ${settings.describe}.\n${settings.diagnostics()}`)),
      );
    }, settings.timeoutMs);
  });
}
