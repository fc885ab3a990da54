import type { IncomingHttpHeaders } from 'node:http';
import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { countRequestTokens, type CountableMessage } from '../../../src/agents/tokens.js';
import { lastUserText } from '../../../src/demoBrain/messageText.js';
import type { RecordedRequest } from './types.js';

/** Every chat-completion request the server received, and waiting for more to arrive. */
export class RequestLog {
  private readonly recorded: RecordedRequest[] = [];
  private readonly waiters = new Set<{ count: number; resolve: () => void }>();

  /** Oldest first. The array is live: later requests are appended to it. */
  get all(): readonly RecordedRequest[] {
    return this.recorded;
  }

  /** Records a validated body and wakes the waiters it satisfies. */
  record(body: ChatCompletionCreateParams, headers: IncomingHttpHeaders): RecordedRequest {
    const request = describeRequest(this.recorded.length, body, headers);
    this.recorded.push(request);
    for (const waiter of this.waiters) if (this.recorded.length >= waiter.count) waiter.resolve();
    return request;
  }

  /**
   * Resolves with all requests once at least `count` have arrived (at once if they already have).
   * Rejects after `timeoutMs` with an error that says how many did arrive.
   */
  async waitFor(count: number, timeoutMs: number): Promise<readonly RecordedRequest[]> {
    if (this.recorded.length >= count) return this.recorded;
    let timer: NodeJS.Timeout | undefined;
    let waiter: { count: number; resolve: () => void } | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { count, resolve };
        this.waiters.add(waiter);
        timer = setTimeout(() => {
          reject(new Error(`expected ${count} request(s) to the fake LLM within ${timeoutMs} ms, got ${this.recorded.length}`));
        }, timeoutMs);
      });
      return this.recorded;
    } finally {
      clearTimeout(timer);
      if (waiter) this.waiters.delete(waiter);
    }
  }

  clear(): void {
    this.recorded.length = 0;
  }
}

function describeRequest(index: number, body: ChatCompletionCreateParams, headers: IncomingHttpHeaders): RecordedRequest {
  const messages = body.messages;
  const tools = body.tools ?? [];
  return {
    index,
    body,
    model: body.model,
    messages,
    tools,
    toolNames: tools.map((tool) => (tool.type === 'function' ? tool.function.name : tool.custom.name)),
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
    promptTokens: countRequestTokens(messages.map(toCountableMessage), tools),
    lastUserText: lastUserText(messages),
    headers,
    receivedAt: new Date(),
  };
}

/**
 * The SDK's message type allows custom (non-function) tool calls, which the counter does not know;
 * function calls — all the bot sends — are passed through unchanged, so counts match the bot's.
 */
function toCountableMessage(message: ChatCompletionMessageParam): CountableMessage {
  if (message.role !== 'assistant') return message;
  const { tool_calls: toolCalls, ...rest } = message;
  if (!toolCalls) return rest;
  return {
    ...rest,
    tool_calls: toolCalls.map((call) =>
      call.type === 'function' ? call : { function: { name: call.custom.name, arguments: call.custom.input } },
    ),
  };
}

/**
 * Checks the little the server relies on (a model and a messages array) and returns a reason
 * when the body cannot be answered, like the real API's 400.
 */
export function invalidRequestReason(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The body must be a JSON object.';
  const candidate = body as { model?: unknown; messages?: unknown };
  if (typeof candidate.model !== 'string') return "Missing required parameter: 'model'.";
  if (!Array.isArray(candidate.messages)) return "Missing required parameter: 'messages'.";
  return undefined;
}
