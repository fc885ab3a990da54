import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
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

const messages = [{ role: 'user', content: 'Tell me a short story.' }] satisfies ChatCompletionMessageParam[];
const story = 'Once upon a time a small doll held a smaller doll, which held a smaller one still.';

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('streaming chat completions through the real SDK', () => {
  it('streams text in several chunks, role first, finish_reason last, then a usage chunk', async () => {
    llm.enqueue({ text: story });

    const chunks = await collect(
      await sdkClient(llm).chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );

    const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
    expect(withChoices[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(withChoices.every((chunk) => chunk.choices[0]?.index === 0)).toBe(true);
    const textChunks = withChoices.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(textChunks.length).toBeGreaterThan(3);
    expect(textChunks.map((chunk) => chunk.choices[0]?.delta.content).join('')).toBe(story);
    expect(withChoices.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: countRequestTokens(messages),
        completion_tokens: countTextTokens(story),
        total_tokens: countRequestTokens(messages) + countTextTokens(story),
      },
    });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('sends no usage chunk unless stream_options.include_usage is set', async () => {
    llm.enqueue({ text: story });

    const chunks = await collect(await sdkClient(llm).chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }));

    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage == null)).toBe(true);
    expect(llm.lastRequest()).toMatchObject({ stream: true, includeUsage: false });
  });

  it('streams tool calls with index, type on the first delta, and arguments split across chunks', async () => {
    llm.enqueue({
      toolCalls: [
        { name: 'remember', arguments: { fact: 'the bot is called Matryoshka' } },
        { name: 'schedule_task', arguments: { cron: '0 9 * * *', task: 'post the digest' } },
      ],
    });

    const chunks = await collect(
      await sdkClient(llm).chat.completions.create({ model: 'gpt-4o-mini', messages, tools: functionTools('remember', 'schedule_task'), stream: true }),
    );

    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    const firstOfEach = [0, 1].map((index) => toolDeltas.find((delta) => delta.index === index));
    expect(firstOfEach).toEqual([
      { index: 0, id: 'call_0_0', type: 'function', function: { name: 'remember', arguments: '' } },
      { index: 1, id: 'call_0_1', type: 'function', function: { name: 'schedule_task', arguments: '' } },
    ]);
    const argumentsOf = (index: number): string[] =>
      toolDeltas.filter((delta) => delta.index === index && delta.function?.arguments).map((delta) => delta.function?.arguments ?? '');
    expect(argumentsOf(0).length).toBeGreaterThan(1);
    expect(JSON.parse(argumentsOf(0).join(''))).toEqual({ fact: 'the bot is called Matryoshka' });
    expect(JSON.parse(argumentsOf(1).join(''))).toEqual({ cron: '0 9 * * *', task: 'post the digest' });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('works with the SDK stream helper, which assembles the final completion and usage', async () => {
    llm.enqueue({ text: 'Noting it.', toolCalls: [{ name: 'remember', arguments: { fact: 'tea over coffee' } }] });

    const stream = sdkClient(llm).chat.completions.stream({
      model: 'gpt-4o-mini',
      messages,
      tools: functionTools('remember'),
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on('content.delta', ({ delta }) => deltas.push(delta));
    const completion = await stream.finalChatCompletion();

    expect(deltas.join('')).toBe('Noting it.');
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe('Noting it.');
    const call = message?.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toMatchObject({ name: 'remember', arguments: '{"fact":"tea over coffee"}' });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.usage?.completion_tokens).toBe(
      countTextTokens('Noting it.') + countTextTokens('remember') + countTextTokens('{"fact":"tea over coffee"}'),
    );
  });

  it('streams invalid tool arguments verbatim', async () => {
    llm.enqueue({ toolCalls: [{ name: 'remember', arguments: 'not json at all' }] });

    const chunks = await collect(
      await sdkClient(llm).chat.completions.create({ model: 'gpt-4o-mini', messages, tools: functionTools('remember'), stream: true }),
    );

    const pieces = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []).map((delta) => delta.function?.arguments ?? '');
    expect(pieces.join('')).toBe('not json at all');
  });
});
