import type { APIMessage, APIThreadChannel } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { waitForCondition, type LoggedEvent, type WaitOptions } from '../events.js';
import { renderMessage } from '../render/messages.js';
import { renderThread } from '../render/channels.js';
import { compareSnowflakes } from '../snowflake.js';
import { interactionResponses, type InteractionResponses } from './observe.js';

/** Options of {@link waitForMessage}. */
export interface WaitForMessageOptions extends WaitOptions {
  /** Only messages that have been edited at least once (any MESSAGE_UPDATE: edits, resolved deferrals). */
  edited?: boolean;
  /** Only messages with an id greater than this one (i.e. created after it). */
  after?: string;
  /** Consider ephemeral messages too. Default false. */
  includeEphemeral?: boolean;
}

function recentActivity(context: EmulatorContext): string {
  const lines = [...context.state.messages.values()]
    .slice(-8)
    .map((message) => `  #${message.channelId} ${message.id} by ${message.author.kind === 'user' ? message.author.userId : `webhook ${message.author.webhookId}`}: ${JSON.stringify(message.content.slice(0, 120))}${message.deletedAt ? ' (deleted)' : ''}`);
  const failures = context.state.restRequests.filter((request) => request.status >= 400).slice(-5).map((request) => `  ${request.method} ${request.path} → ${request.status} ${request.errorCode ?? ''}`);
  const internal = context.state.internalErrors.map((error) => `  ${error.stack ?? error.message}`);
  return [
    `Recent messages:\n${lines.join('\n') || '  (none)'}`,
    `Recent failed REST requests:\n${failures.join('\n') || '  (none)'}`,
    ...(internal.length > 0 ? [`Emulator internal errors:\n${internal.join('\n')}`] : []),
  ].join('\n');
}

/**
 * Resolves with the first message (as users see it now) matching `predicate`: existing messages
 * are checked first, then each created or updated one. Rejects with a timeout listing recent activity.
 */
export function waitForMessage(context: EmulatorContext, predicate: (message: APIMessage) => boolean, options: WaitForMessageOptions = {}): Promise<APIMessage> {
  const { state } = context;
  const accept = (id: string): APIMessage | undefined => {
    const message = state.messages.get(id);
    if (!message || message.deletedAt !== null) return undefined;
    if (options.after !== undefined && compareSnowflakes(id, options.after) <= 0) return undefined;
    if (options.edited && message.revisions.length === 0) return undefined;
    if (!options.includeEphemeral && message.ephemeralForUserId !== null) return undefined;
    const rendered = renderMessage(state, message);
    return predicate(rendered) ? rendered : undefined;
  };
  return waitForCondition(
    context.events,
    (event) => {
      if (event === null) {
        for (const id of state.messages.keys()) {
          const found = accept(id);
          if (found) return found;
        }
        return undefined;
      }
      return event.type === 'messageCreated' || event.type === 'messageUpdated' ? accept(event.message.id) : undefined;
    },
    { timeoutMs: options.timeoutMs ?? context.options.timings.defaultWaitTimeoutMs, describe: `a message${options.edited ? ' edit' : ''} matching ${predicate.toString()}`, diagnostics: () => recentActivity(context) },
  );
}

/** Resolves with the first thread (existing or future, created or updated) matching `predicate`. */
export function waitForThread(context: EmulatorContext, predicate: (thread: APIThreadChannel) => boolean, options: WaitOptions = {}): Promise<APIThreadChannel> {
  const { state } = context;
  const accept = (id: string): APIThreadChannel | undefined => {
    const channel = state.channels.get(id);
    if (!channel?.thread) return undefined;
    const rendered = renderThread(state, channel);
    return predicate(rendered) ? rendered : undefined;
  };
  return waitForCondition(
    context.events,
    (event) => {
      if (event === null) return [...state.channels.keys()].map(accept).find((thread) => thread !== undefined);
      return event.type === 'threadCreated' || event.type === 'threadUpdated' ? accept(event.thread.id) : undefined;
    },
    { timeoutMs: options.timeoutMs ?? context.options.timings.defaultWaitTimeoutMs, describe: `a thread matching ${predicate.toString()}`, diagnostics: () => recentActivity(context) },
  );
}

/** Resolves once the bot's responses to an interaction satisfy `predicate` (default: acknowledged at all). */
export function waitForInteractionResponse(
  context: EmulatorContext,
  interactionId: string,
  predicate: (responses: InteractionResponses) => boolean = (responses) => responses.acknowledged,
  options: WaitOptions = {},
): Promise<InteractionResponses> {
  return waitForCondition(
    context.events,
    () => {
      const responses = interactionResponses(context, interactionId);
      return predicate(responses) ? responses : undefined;
    },
    { timeoutMs: options.timeoutMs ?? context.options.timings.defaultWaitTimeoutMs, describe: `responses to interaction ${interactionId} matching ${predicate.toString()}`, diagnostics: () => recentActivity(context) },
  );
}

/** Resolves with the next event (after this call) matching `predicate`. */
export function waitForEvent(context: EmulatorContext, predicate: (event: LoggedEvent) => boolean, options: WaitOptions = {}): Promise<LoggedEvent> {
  return waitForCondition(context.events, (event) => (event !== null && predicate(event) ? event : undefined), {
    timeoutMs: options.timeoutMs ?? context.options.timings.defaultWaitTimeoutMs,
    describe: `an event matching ${predicate.toString()}`,
    diagnostics: () => recentActivity(context),
  });
}

/**
 * Re-evaluates `check` now, after every emulator event and every 20 ms (so it also sees state
 * outside the emulator, like the bot's database) until it returns something other than undefined,
 * null or false, and resolves with that value.
 */
export function waitFor<T>(context: EmulatorContext, check: () => T | undefined | null | false, options: WaitOptions & { description?: string } = {}): Promise<T> {
  return waitForCondition(
    context.events,
    () => {
      const value = check();
      return value === undefined || value === null || value === false ? undefined : value;
    },
    { timeoutMs: options.timeoutMs ?? context.options.timings.defaultWaitTimeoutMs, describe: options.description ?? check.toString(), diagnostics: () => recentActivity(context), pollIntervalMs: 20 },
  );
}
