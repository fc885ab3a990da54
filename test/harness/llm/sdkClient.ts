import OpenAI, { type ClientOptions } from 'openai';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { FakeLlm } from '../../support/llm/fakeLlmServer.js';

/**
 * The real SDK pointed at a fake server, configured as the bot configures it: no SDK retries
 * (the bot retries itself). Logging is off because a malformed stream makes the SDK log to the
 * console, and tests must stay silent.
 */
export function sdkClient(llm: Pick<FakeLlm, 'baseUrl'>, options: ClientOptions = {}): OpenAI {
  return new OpenAI({ baseURL: llm.baseUrl, apiKey: 'test', maxRetries: 0, logLevel: 'off', ...options });
}

/** Function tools with the given names and a permissive schema, as offered to the model. */
export function functionTools(...names: string[]): ChatCompletionFunctionTool[] {
  return names.map((name) => ({
    type: 'function',
    function: { name, description: `The ${name} tool.`, parameters: { type: 'object', properties: {} } },
  }));
}
