import { BadRequestError, InternalServerError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countRequestTokens } from '../../../src/agents/tokens.js';
import { startFakeLlm, type FakeLlm, type ScriptFunction } from '../../support/llm/fakeLlmServer.js';
import { functionTools, sdkClient } from './sdkClient.js';

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterEach(() => llm.reset());
afterAll(() => llm.close());

async function say(content: string, target: FakeLlm = llm): Promise<string | null | undefined> {
  const completion = await sdkClient(target).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
  return completion.choices[0]?.message.content;
}

/** "When the last user message says X, call tool Y" — the shape the bot's tests will use. */
const rememberWhenAskedToNote: ScriptFunction = (request) =>
  request.lastUserText?.startsWith('note ')
    ? { toolCalls: [{ name: 'remember', arguments: { fact: request.lastUserText.slice('note '.length) } }] }
    : undefined;

describe('scripting', () => {
  it('consumes queued responses in order before the brain', async () => {
    llm.enqueue({ text: 'first' });
    llm.enqueue({ text: 'second' }, { times: 2 });
    expect(llm.queuedResponseCount).toBe(3);

    const replies = [await say('a'), await say('b'), await say('c'), await say('d')];

    expect(replies).toEqual(['first', 'second', 'second', 'Echo: d (1 messages)']);
    expect(llm.queuedResponseCount).toBe(0);
  });

  it('answers with a function of the request, falling back to the demo brain on undefined', async () => {
    llm.respondWith(rememberWhenAskedToNote);
    const client = sdkClient(llm);

    const noted = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'note tea is good' }] });
    const other = await say('hello');

    const call = noted.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toEqual({ name: 'remember', arguments: '{"fact":"tea is good"}' });
    expect(other).toBe('Echo: hello (1 messages)');
  });

  it('queued responses win over the function', async () => {
    llm.respondWith(() => ({ text: 'from the function' }));
    llm.enqueue({ text: 'from the queue' });

    expect([await say('x'), await say('y')]).toEqual(['from the queue', 'from the function']);
  });

  it('accepts the function as the brain option, and reset() restores it', async () => {
    const own = await startFakeLlm({ brain: () => ({ text: 'scripted brain' }) });
    try {
      own.respondWith(undefined);
      expect(await say('x', own)).toBe('Echo: x (1 messages)');
      own.reset();
      expect(await say('x', own)).toBe('scripted brain');
    } finally {
      await own.close();
    }
  });

  it("with brain 'none', an unscripted request fails loudly with InternalServerError", async () => {
    const own = await startFakeLlm({ brain: 'none' });
    try {
      own.enqueue({ text: 'scripted' });
      expect(await say('x', own)).toBe('scripted');
      await expect(say('y', own)).rejects.toThrow(InternalServerError);
      await expect(say('y', own)).rejects.toThrow(/no scripted response for request #2/);
    } finally {
      await own.close();
    }
  });

  it('a script function that throws becomes a 500 naming the cause', async () => {
    llm.respondWith(() => {
      throw new Error('bad script');
    });

    await expect(say('x')).rejects.toThrow(/script function threw: bad script/);
  });

  it('rejects a request without messages with 400, as BadRequestError, and does not record it', async () => {
    const client = sdkClient(llm);
    await expect(client.post('/chat/completions', { body: { model: 'gpt-4o-mini' } })).rejects.toBeInstanceOf(BadRequestError);
    expect(llm.requests).toHaveLength(0);
  });
});

describe('recording', () => {
  it('records messages, tools offered, token counts, stream flags and the outcome', async () => {
    const tools = functionTools('remember');
    const messages = [
      { role: 'system' as const, content: 'persona' },
      { role: 'user' as const, content: 'remember: cats' },
    ];
    await sdkClient(llm).chat.completions.create({ model: 'gpt-4o', messages, tools });

    expect(llm.requests).toHaveLength(1);
    expect(llm.lastRequest()).toMatchObject({
      index: 0,
      model: 'gpt-4o',
      messages,
      tools,
      toolNames: ['remember'],
      stream: false,
      includeUsage: false,
      promptTokens: countRequestTokens(messages, tools),
      lastUserText: 'remember: cats',
      outcome: { kind: 'reply', reply: { toolCalls: [{ name: 'remember', arguments: { fact: 'cats' } }] } },
    });
    expect(llm.lastRequest()?.headers.authorization).toBe('Bearer test');
    expect(llm.lastRequest()?.receivedAt).toBeInstanceOf(Date);
  });

  it('waitForRequests resolves once enough requests arrived', async () => {
    const waiting = llm.waitForRequests(2, { timeoutMs: 2000 });
    await say('one');
    await say('two');

    const requests = await waiting;

    expect(requests.map((request) => request.lastUserText)).toEqual(['one', 'two']);
  });

  it('waitForRequests rejects after its timeout, saying how many arrived', async () => {
    await say('only one');
    await expect(llm.waitForRequests(2, { timeoutMs: 30 })).rejects.toThrow('expected 2 request(s) to the fake LLM within 30 ms, got 1');
  });
});

describe('GET /_control/requests', () => {
  it('returns every request body received, oldest first', async () => {
    await say('first');
    await sdkClient(llm).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'second' }], stream: true });

    const response = await fetch(new URL('/_control/requests', llm.baseUrl));
    const bodies = (await response.json()) as unknown[];

    expect(response.headers.get('content-type')).toBe('application/json');
    expect(bodies).toEqual([
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'first' }] },
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'second' }], stream: true },
    ]);
  });
});
