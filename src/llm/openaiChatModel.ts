import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { ModelError } from '../agents/errors.js';
import type { Logger } from '../agents/logger.js';
import type { ChatModel, ModelRequest, ModelResponse } from '../agents/ports.js';
import { countRequestTokens, countTextTokens } from '../agents/tokens.js';
import type { ToolCall } from '../agents/types.js';
import { IncompleteStreamError, backoffMs, classifyFailure } from './retryPolicy.js';

export interface OpenAiChatModelOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  retryBaseMs: number;
  logPrompts: boolean;
}

/**
 * The ChatModel port over any OpenAI-compatible endpoint. Streams every call, retries transient
 * failures itself (the SDK's own retries are off, so backoff and retry-after are ours to honour)
 * and reports usage, estimating it with our tokenizer when the provider sends none.
 */
export class OpenAiChatModel implements ChatModel {
  private readonly client: OpenAI;

  constructor(
    private readonly options: OpenAiChatModelOptions,
    private readonly logger: Logger,
  ) {
    this.client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey, maxRetries: 0, timeout: options.timeoutMs });
  }

  async complete(request: ModelRequest, handlers: { onText?: (textSoFar: string) => void } = {}): Promise<ModelResponse> {
    if (this.options.logPrompts) this.logger.debug({ model: request.model, messages: request.messages }, 'model request');
    const attempts = this.options.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(request, handlers.onText);
      } catch (error) {
        const failure = classifyFailure(error);
        if (!failure.retryable || attempt >= attempts) {
          throw new ModelError(failure.failure, failure.detail, { attempts: attempt, cause: error });
        }
        const waitMs = failure.retryAfterMs ?? backoffMs(attempt, this.options.retryBaseMs);
        this.logger.warn({ attempt, waitMs, failure: failure.failure, detail: failure.detail }, 'model call failed, retrying');
        handlers.onText?.('');
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private async attempt(request: ModelRequest, onText?: (textSoFar: string) => void): Promise<ModelResponse> {
    const params: ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: request.messages,
      max_tokens: request.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
      ...(request.temperature !== null && { temperature: request.temperature }),
      ...(request.tools.length > 0 && { tools: request.tools }),
    };
    const stream = await this.client.chat.completions.create(params);
    let text = '';
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    let usage: ModelResponse['usage'] | undefined;
    let finished = false;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.finish_reason) finished = true;
      if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      const delta = chunk.choices[0]?.delta;
      if (!delta) continue;
      if (delta.content) {
        text += delta.content;
        onText?.(text);
      }
      for (const part of delta.tool_calls ?? []) {
        const call = (calls[part.index] ??= { id: '', name: '', arguments: '' });
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name += part.function.name;
        if (part.function?.arguments) call.arguments += part.function.arguments;
      }
    }
    // A stream that ends without a finish reason was cut: its text is not the whole answer.
    if (!finished) throw new IncompleteStreamError();
    const toolCalls: ToolCall[] = calls.filter(Boolean).map((call, index) => ({ ...call, id: call.id || `call_${index}` }));
    return { text, toolCalls, usage: usage ?? estimateUsage(request, text, toolCalls) };
  }
}

function estimateUsage(request: ModelRequest, text: string, toolCalls: ToolCall[]): ModelResponse['usage'] {
  const completion = countTextTokens(text) + toolCalls.reduce((sum, call) => sum + countTextTokens(call.name) + countTextTokens(call.arguments), 0);
  return { promptTokens: countRequestTokens(request.messages, request.tools), completionTokens: completion };
}
