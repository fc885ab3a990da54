import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countRequestTokens, countTextTokens } from '../../../src/agents/tokens.js';
import { startFakeLlm, type FakeLlm } from '../../support/llm/fakeLlmServer.js';
import { functionTools, sdkClient } from './sdkClient.js';

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterEach(() => llm.reset());
afterAll(() => llm.close());

// `satisfies` keeps the narrow type: tokens.ts's CountableMessage does not accept the SDK's
// union (its custom tool calls have no `function`), so the wide type would not count.
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Say hello.' },
] satisfies ChatCompletionMessageParam[];

describe('non-streaming chat completions through the real SDK', () => {
  it('returns a scripted text reply with usage counted like the bot counts', async () => {
    llm.enqueue({ text: 'Hello there, friend.' });

    const completion = await sdkClient(llm).chat.completions.create({ model: 'gpt-4o-mini', messages });

    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o-mini');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello there, friend.' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const promptTokens = countRequestTokens(messages);
    const completionTokens = countTextTokens('Hello there, friend.');
    expect(completion.usage).toEqual({
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    });
  });

  it('returns tool calls with JSON arguments, ids, finish_reason tool_calls, and their tokens in usage', async () => {
    const tools = functionTools('remember', 'recall');
    llm.enqueue({
      toolCalls: [
        { name: 'remember', arguments: { fact: 'the sky is blue' } },
        { name: 'recall', arguments: { query: 'sky', limit: 3 }, id: 'call_custom' },
      ],
    });

    const completion = await sdkClient(llm).chat.completions.create({ model: 'gpt-4o', messages, tools });

    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      { id: 'call_0_0', type: 'function', function: { name: 'remember', arguments: '{"fact":"the sky is blue"}' } },
      { id: 'call_custom', type: 'function', function: { name: 'recall', arguments: '{"query":"sky","limit":3}' } },
    ]);
    const expectedCompletionTokens =
      countTextTokens('remember') + countTextTokens('{"fact":"the sky is blue"}') +
      countTextTokens('recall') + countTextTokens('{"query":"sky","limit":3}');
    expect(completion.usage).toMatchObject({
      prompt_tokens: countRequestTokens(messages, tools),
      completion_tokens: expectedCompletionTokens,
    });
    expect(llm.lastRequest()?.promptTokens).toBe(countRequestTokens(messages, tools));
  });

  it('sends invalid tool arguments verbatim when they are scripted as a string', async () => {
    llm.enqueue({ toolCalls: [{ name: 'remember', arguments: '{"fact": "unterminated' }] });

    const completion = await sdkClient(llm).chat.completions.create({ model: 'gpt-4o-mini', messages, tools: functionTools('remember') });

    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.arguments).toBe('{"fact": "unterminated');
  });

  it('can send text and tool calls together, and a chosen finish_reason', async () => {
    llm.enqueue({ text: 'Let me note that.', toolCalls: [{ name: 'remember', arguments: { fact: 'x' } }] });
    llm.enqueue({ text: 'Cut off', finishReason: 'length' });
    const client = sdkClient(llm);

    const both = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: functionTools('remember') });
    const truncated = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });

    expect(both.choices[0]?.message.content).toBe('Let me note that.');
    expect(both.choices[0]?.message.tool_calls).toHaveLength(1);
    expect(truncated.choices[0]?.finish_reason).toBe('length');
  });
});

describe('GET /v1/models', () => {
  it('lists the default models and every model requested so far', async () => {
    const client = sdkClient(llm);
    await client.chat.completions.create({ model: 'my-local-model', messages });

    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);

    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'gpt-4o', 'fake-vision', 'my-local-model']));
  });

  it('retrieves any model by id', async () => {
    const model = await sdkClient(llm).models.retrieve('gpt-4o');
    expect(model).toMatchObject({ id: 'gpt-4o', object: 'model' });
  });

  it('answers unknown routes with 404, as the SDK NotFoundError', async () => {
    const client = sdkClient(llm);
    await expect(client.get('/no/such/route')).rejects.toMatchObject({ status: 404 });
  });
});
