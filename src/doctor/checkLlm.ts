import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, NotFoundError } from 'openai';
import type { Config } from '../config.js';
import { type CheckResult, describeError, fail, ok, warn } from './check.js';

/** Options of {@link checkLlm}. */
export interface LlmCheckOptions {
  /** Per request; the bot's own LLM_TIMEOUT_SECONDS is meant for long generations. Default 5 s. */
  timeoutMs?: number;
}

const NAME = 'llm endpoint';

/**
 * Asks OPENAI_BASE_URL for its models, the cheapest call every OpenAI-compatible server should
 * answer. Servers without `/models` (404) get a one-token chat completion instead. A DEFAULT_MODEL
 * missing from the list is only a warning: some servers list fewer models than they serve.
 */
export async function checkLlm(config: Config, options: LlmCheckOptions = {}): Promise<CheckResult[]> {
  const { baseUrl, apiKey, defaultModel } = config.llm;
  const timeoutMs = options.timeoutMs ?? 5000;
  // Our own retry loop is not wanted here: one failure is the answer.
  const client = new OpenAI({ baseURL: baseUrl, apiKey, timeout: timeoutMs, maxRetries: 0 });
  const models: string[] = [];
  try {
    for await (const model of client.models.list()) models.push(model.id);
  } catch (error) {
    if (!(error instanceof NotFoundError)) return [failure(error, baseUrl, timeoutMs)];
    return completeOneToken(client, baseUrl, defaultModel, timeoutMs);
  }
  const modelCheck = models.includes(defaultModel)
    ? ok('default model', `${defaultModel} is served`)
    : warn(
        'default model',
        `${defaultModel} is not among the ${models.length} model(s) ${baseUrl} lists`,
        `set DEFAULT_MODEL to a model it serves${models.length > 0 ? `, e.g. ${models.slice(0, 3).join(', ')}` : ''}`,
      );
  return [ok(NAME, `${baseUrl} answers (${models.length} model(s) listed)`), modelCheck];
}

async function completeOneToken(client: OpenAI, baseUrl: string, model: string, timeoutMs: number): Promise<CheckResult[]> {
  try {
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
  } catch (error) {
    if (error instanceof NotFoundError) {
      return [
        fail(
          NAME,
          `${baseUrl} answers 404 to both /models and /chat/completions with ${model}`,
          'check OPENAI_BASE_URL (OpenAI-compatible servers usually end in /v1) and DEFAULT_MODEL',
        ),
      ];
    }
    return [failure(error, baseUrl, timeoutMs)];
  }
  return [ok(NAME, `${baseUrl} has no model list, but a one-token completion with ${model} worked`), ok('default model', `${model} answers`)];
}

function failure(error: unknown, baseUrl: string, timeoutMs: number): CheckResult {
  if (error instanceof APIConnectionTimeoutError) {
    return fail(NAME, `no answer from ${baseUrl} within ${timeoutMs / 1000} s`, 'check that the server is up and OPENAI_BASE_URL points at it');
  }
  if (error instanceof APIConnectionError) {
    return fail(NAME, `cannot reach ${baseUrl}: ${describeError(error)}`, 'start the server, or fix OPENAI_BASE_URL');
  }
  if (error instanceof APIError && (error.status === 401 || error.status === 403)) {
    // The provider's message may echo part of the key: say only what happened.
    return fail(NAME, `${baseUrl} refused the API key (${error.status})`, 'set OPENAI_API_KEY to a valid key for this endpoint');
  }
  if (error instanceof APIError) {
    return fail(NAME, `${baseUrl} answered ${error.status ?? 'an error'}: ${error.message}`, 'check OPENAI_BASE_URL, OPENAI_API_KEY and the provider status');
  }
  return fail(NAME, `calling ${baseUrl} failed: ${describeError(error)}`, 'check OPENAI_BASE_URL');
}
