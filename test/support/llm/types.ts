import type { IncomingHttpHeaders } from 'node:http';
import type {
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';

/**
 * The vocabulary of the scripted LLM server: what a test can ask it to answer, which faults it
 * can inject, and what it records. Kept apart from the server so scripts and the demo brain can
 * import the types without pulling in `node:http`.
 */

/** One tool call the fake model makes. */
export interface ScriptedToolCall {
  /** The function name, e.g. `remember`. */
  name: string;
  /**
   * An object is sent as its JSON. A string is sent verbatim, which is how a test scripts
   * invalid arguments (e.g. `'{"fact": '`) — the server never validates them.
   */
  arguments: Record<string, unknown> | string;
  /** Defaults to a deterministic `call_<request index>_<call index>`. */
  id?: string;
}

/** A successful answer: text, tool calls, or both (text first, as models do). */
export interface ScriptedReply {
  text?: string;
  toolCalls?: readonly ScriptedToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
}

/** An HTTP error status with an OpenAI-shaped error body, e.g. 429 or 500. */
export interface StatusFault {
  kind: 'status';
  status: number;
  /**
   * Sent as the `retry-after` header. Fractions are allowed (the SDK parses them as floats), so a
   * test can use 0.05 instead of waiting a real second.
   */
  retryAfterSeconds?: number;
  /** Replaces the default `{ error: { message, type, code } }` body. */
  body?: unknown;
}

/** Never answers; the request stays open until the client gives up or the server closes. */
export interface HangFault {
  kind: 'hang';
}

/**
 * Status 200 with a body that is not valid JSON (non-streaming), or an SSE event whose data is
 * not valid JSON after the first chunk (streaming).
 */
export interface MalformedJsonFault {
  kind: 'malformedJson';
}

/** Destroys the socket before any response byte: the client sees a connection error. */
export interface DisconnectFault {
  kind: 'disconnect';
}

/**
 * Sends the first `afterChunks` SSE events of `reply` (or of the brain's answer), then destroys
 * the socket without `[DONE]`. A non-streaming request gets half of its JSON body, then the cut.
 */
export interface CutStreamFault {
  kind: 'cutStream';
  afterChunks: number;
  reply?: ScriptedReply;
}

/**
 * Streams `reply` (or the brain's answer) at about `tokensPerSecond` completion tokens per
 * second. A non-streaming request is answered after the same total delay.
 */
export interface SlowStreamFault {
  kind: 'slowStream';
  tokensPerSecond: number;
  reply?: ScriptedReply;
}

/**
 * Sends the headers and the first `afterChunks` SSE events of `reply` (or of the brain's answer),
 * then nothing more, keeping the connection open until the client gives up or the server closes:
 * a provider that stalls after the headers (`afterChunks: 0`) or midway through a stream. A
 * non-streaming request gets the headers and no body.
 */
export interface StallFault {
  kind: 'stall';
  afterChunks: number;
  reply?: ScriptedReply;
}

/** Every fault the server can inject. Invalid tool arguments are a {@link ScriptedToolCall} with a string. */
export type Fault = StatusFault | HangFault | MalformedJsonFault | DisconnectFault | CutStreamFault | SlowStreamFault | StallFault;

/** A fault wrapped so it can sit in the same queue as replies. */
export interface ScriptedFault {
  fault: Fault;
}

/** What a queued entry or a script function may answer. */
export type ScriptedResponse = ScriptedReply | ScriptedFault;

/** How the server settled a request, recorded for assertions. */
export type RecordedOutcome =
  | { kind: 'reply'; reply: ScriptedReply; completionTokens: number }
  | { kind: 'fault'; fault: Fault; reply?: ScriptedReply; completionTokens?: number };

/** One `POST /v1/chat/completions` as the server received it. */
export interface RecordedRequest {
  /** Arrival order, from 0. */
  index: number;
  /** The parsed JSON body, untouched. */
  body: ChatCompletionCreateParams;
  model: string;
  messages: ChatCompletionMessageParam[];
  /** The tools offered (empty when none). */
  tools: ChatCompletionTool[];
  /** Names of the function tools offered, in order. */
  toolNames: string[];
  stream: boolean;
  /** Whether `stream_options.include_usage` was set: only then does a stream end with usage. */
  includeUsage: boolean;
  /** `countRequestTokens(messages, tools)` — the same count the bot budgets with. */
  promptTokens: number;
  /** Text of the last `user` message (text parts concatenated), if any. */
  lastUserText: string | undefined;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
  /** Set once the server has chosen its answer; absent while a script function is still running. */
  outcome?: RecordedOutcome;
  /**
   * When the client closed the connection before the response was complete (it aborted or gave
   * up on a hang, stall or slow stream); absent while it is open or once it was answered in full.
   */
  abandonedAt?: Date;
}

/**
 * A function of the request. Returning `undefined` defers to the server's default brain (the
 * demo brain unless the server was started with `brain: 'none'`).
 */
export type ScriptFunction = (
  request: RecordedRequest,
) => ScriptedResponse | undefined | Promise<ScriptedResponse | undefined>;

/** Type guard separating faults from replies in a {@link ScriptedResponse}. */
export function isScriptedFault(response: ScriptedResponse): response is ScriptedFault {
  return 'fault' in response;
}
