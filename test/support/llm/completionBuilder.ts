import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { countTextTokens } from '../../../src/agents/tokens.js';
import type { ScriptedReply } from './types.js';

/**
 * Turns a {@link ScriptedReply} into the wire objects of the chat-completions API: one
 * `ChatCompletion`, or the `ChatCompletionChunk`s of a stream. Pure, so the shapes the SDK depends
 * on are decided in one place.
 */

/** What a response needs besides the reply itself. */
export interface CompletionContext {
  /** `chatcmpl-…`, shared by every chunk of one stream. */
  completionId: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** Makes default tool-call ids unique across requests and deterministic. */
  requestIndex: number;
  promptTokens: number;
}

/** How a stream is cut into chunks. */
export interface ChunkingOptions {
  /** Whether to end with the `choices: []` usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** Words of text per content chunk; small so the bot's streaming edits are exercised. */
  wordsPerChunk: number;
  /** Pieces each tool call's arguments are split into. */
  argumentPieces: number;
}

/** A scripted tool call with its id and wire arguments settled. */
type ResolvedToolCall = ChatCompletionMessageFunctionToolCall;

/** The reply's tool calls with default ids and arguments serialized (strings are kept verbatim). */
export function resolveToolCalls(reply: ScriptedReply, requestIndex: number): ResolvedToolCall[] {
  return (reply.toolCalls ?? []).map((call, position) => ({
    id: call.id ?? `call_${requestIndex}_${position}`,
    type: 'function',
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
}

/** Completion tokens as the clarifications fix them: reply text plus each call's name and arguments. */
export function countCompletionTokens(reply: ScriptedReply): number {
  let total = countTextTokens(reply.text ?? '');
  for (const call of resolveToolCalls(reply, 0)) {
    total += countTextTokens(call.function.name) + countTextTokens(call.function.arguments);
  }
  return total;
}

/** The `usage` object of a response to a request costing `promptTokens`. */
export function usageOf(reply: ScriptedReply, promptTokens: number): CompletionUsage {
  const completionTokens = countCompletionTokens(reply);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function finishReasonOf(reply: ScriptedReply): NonNullable<ScriptedReply['finishReason']> {
  return reply.finishReason ?? ((reply.toolCalls?.length ?? 0) > 0 ? 'tool_calls' : 'stop');
}

/** The non-streaming response body. */
export function buildCompletion(reply: ScriptedReply, context: CompletionContext): ChatCompletion {
  const toolCalls = resolveToolCalls(reply, context.requestIndex);
  return {
    id: context.completionId,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReasonOf(reply),
        logprobs: null,
      },
    ],
    usage: usageOf(reply, context.promptTokens),
  };
}

/**
 * The chunks of a streamed response, in order: a `role: 'assistant'` delta, the text a few words
 * at a time, each tool call (id, `type: 'function'` and name first, then its arguments in
 * pieces), a `finish_reason` delta, and optionally the usage chunk. `[DONE]` is the writer's job.
 */
export function buildChunks(reply: ScriptedReply, context: CompletionContext, options: ChunkingOptions): ChatCompletionChunk[] {
  const usageField = options.includeUsage ? { usage: null } : {};
  const chunk = (delta: ChatCompletionChunk.Choice.Delta, finishReason: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk => ({
    id: context.completionId,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    ...usageField,
  });

  const toolCalls = resolveToolCalls(reply, context.requestIndex);
  const chunks = [chunk({ role: 'assistant', content: reply.text === undefined ? null : '' })];
  for (const text of splitWords(reply.text ?? '', options.wordsPerChunk)) chunks.push(chunk({ content: text }));
  toolCalls.forEach((call, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    for (const piece of splitEvenly(call.function.arguments, options.argumentPieces)) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  chunks.push(chunk({}, finishReasonOf(reply)));
  if (options.includeUsage) {
    chunks.push({ ...chunk({}), choices: [], usage: usageOf(reply, context.promptTokens) });
  }
  return chunks;
}

/** Groups of `wordsPerChunk` words that concatenate back to exactly `text`, whitespace included. */
export function splitWords(text: string, wordsPerChunk: number): string[] {
  const words = text.match(/\s*\S+|\s+$/g) ?? [];
  const groups: string[] = [];
  for (let start = 0; start < words.length; start += wordsPerChunk) {
    groups.push(words.slice(start, start + wordsPerChunk).join(''));
  }
  return groups;
}

/** At most `pieces` non-empty slices that concatenate back to `text`, never splitting a code point. */
export function splitEvenly(text: string, pieces: number): string[] {
  const characters = Array.from(text);
  if (characters.length === 0) return [];
  const size = Math.ceil(characters.length / Math.max(1, pieces));
  const slices: string[] = [];
  for (let start = 0; start < characters.length; start += size) slices.push(characters.slice(start, start + size).join(''));
  return slices;
}
