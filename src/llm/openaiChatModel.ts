import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { ModelError } from '../agents/errors.js';
import type { Logger } from '../agents/logger.js';
import type { ChatModel, ModelCallOptions, ModelRequest, ModelResponse } from '../agents/ports.js';
import { storableText } from '../agents/text.js';
import { countRequestTokens, countTextTokens } from '../agents/tokens.js';
import type { ToolCall } from '../agents/types.js';
import { IncompleteStreamError, StreamTimeoutError, backoffMs, classifyFailure } from './retryPolicy.js';

export interface OpenAiChatModelOptions {
  baseUrl: string;
  apiKey: string;
  /** The longest wait for the first streamed chunk (reasoning and local models may think a while). */
  timeoutMs: number;
  /** The longest silence between two chunks once the stream has started. */
  idleTimeoutMs: number;
  /** The longest one attempt may take in all. */
  maxCallMs: number;
  /** Retries after the first attempt. */
  retries: number;
  retryBaseMs: number;
  logPrompts: boolean;
}

/**
 * The ChatModel port over any OpenAI-compatible endpoint. Streams every call, retries transient
 * failures itself (the SDK's own retries are off, so backoff and retry-after are ours to honour)
 * and reports usage, estimating it with our tokenizer when the provider sends none. Every attempt
 * is bounded: the SDK's own timeout ends once the headers arrive, so the wait for the first chunk,
 * each silence after it and the whole attempt have timers of their own.
 */
export class OpenAiChatModel implements ChatModel {
  private readonly client: OpenAI;

  constructor(
    private readonly options: OpenAiChatModelOptions,
    private readonly logger: Logger,
  ) {
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey,
      maxRetries: 0,
      timeout: options.timeoutMs,
      logger: sdkLogger(logger),
    });
  }

  async complete(request: ModelRequest, options: ModelCallOptions = {}): Promise<ModelResponse> {
    if (this.options.logPrompts) this.logger.debug({ model: request.model, messages: request.messages }, 'model request');
    const attempts = this.options.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(request, options);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const failure = classifyFailure(error);
        if (!failure.retryable || attempt >= attempts) {
          throw new ModelError(failure.failure, failure.detail, { attempts: attempt, cause: error });
        }
        const waitMs = failure.retryAfterMs ?? backoffMs(attempt, this.options.retryBaseMs);
        this.logger.warn({ attempt, waitMs, failure: failure.failure, detail: failure.detail }, 'model call failed, retrying');
        options.onText?.('');
        await abortableDelay(waitMs, options.signal);
      }
    }
  }

  private async attempt(request: ModelRequest, { onText, signal }: ModelCallOptions): Promise<ModelResponse> {
    const params: ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: request.messages,
      max_tokens: request.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
      ...(request.temperature !== null && { temperature: request.temperature }),
      ...(request.tools.length > 0 && { tools: request.tools }),
    };
    const deadline = new AttemptDeadline(this.options, signal);
    try {
      const stream = await this.client.chat.completions.create(params, { signal: deadline.signal });
      let text = '';
      const calls: Array<{ id: string; name: string; arguments: string }> = [];
      let usage: ModelResponse['usage'] | undefined;
      let finished = false;
      for await (const chunk of stream) {
        deadline.chunkArrived();
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
      // What the model wrote is stored: made storable here, once whole (a chunk may end inside an emoji).
      const toolCalls: ToolCall[] = calls
        .filter(Boolean)
        .map((call, index) => ({ id: call.id || `call_${index}`, name: storableText(call.name), arguments: storableText(call.arguments) }));
      const answer = storableText(text);
      return { text: answer, toolCalls, usage: usage ?? estimateUsage(request, answer, toolCalls) };
    } catch (error) {
      throw deadline.expired ?? error;
    } finally {
      deadline.clear();
    }
  }
}

/**
 * The timers of one attempt: the first chunk, the silence between chunks, and the whole attempt.
 * Whichever runs out (or the caller's signal) aborts the request.
 */
class AttemptDeadline {
  private readonly controller = new AbortController();
  private readonly total: NodeJS.Timeout;
  private silence: NodeJS.Timeout;
  private readonly forwardAbort = () => this.controller.abort();
  /** Set when a timer ran out: the attempt failed by timing out. */
  expired: StreamTimeoutError | undefined;

  constructor(
    private readonly limits: Pick<OpenAiChatModelOptions, 'timeoutMs' | 'idleTimeoutMs' | 'maxCallMs'>,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    this.silence = this.expireAfter(limits.timeoutMs, 'sent nothing');
    this.total = this.expireAfter(limits.maxCallMs, 'did not finish');
    callerSignal?.addEventListener('abort', this.forwardAbort, { once: true });
    if (callerSignal?.aborted) this.controller.abort();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  chunkArrived(): void {
    clearTimeout(this.silence);
    this.silence = this.expireAfter(this.limits.idleTimeoutMs, 'went silent');
  }

  clear(): void {
    clearTimeout(this.silence);
    clearTimeout(this.total);
    this.callerSignal?.removeEventListener('abort', this.forwardAbort);
  }

  private expireAfter(ms: number, what: string): NodeJS.Timeout {
    return setTimeout(() => {
      this.expired = new StreamTimeoutError(`the model ${what} for ${Math.round(ms / 1000)} s`);
      this.controller.abort();
    }, ms);
  }
}

/** The SDK's own log lines (a malformed streamed event, say) go into our structured log. */
function sdkLogger(logger: Logger) {
  // The details the SDK adds are raw model output: kept out of warn, shown at debug.
  const log = (level: 'warn' | 'debug') => (message: string, ...details: unknown[]) => {
    logger[level]({ source: 'openai-sdk' }, message);
    if (details.length > 0) logger.debug({ source: 'openai-sdk', details }, message);
  };
  return { error: log('warn'), warn: log('warn'), info: log('debug'), debug: log('debug') };
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function estimateUsage(request: ModelRequest, text: string, toolCalls: ToolCall[]): ModelResponse['usage'] {
  const completion = countTextTokens(text) + toolCalls.reduce((sum, call) => sum + countTextTokens(call.name) + countTextTokens(call.arguments), 0);
  return { promptTokens: countRequestTokens(request.messages, request.tools), completionTokens: completion };
}
