import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ModelError } from '../../src/agents/errors.js';
import type { Logger } from '../../src/agents/logger.js';
import type { ModelRequest } from '../../src/agents/ports.js';
import { OpenAiChatModel } from '../../src/llm/openaiChatModel.js';
import { silentLogger } from '../../src/logger.js';
import { type FakeLlm, startFakeLlm } from '../support/llm/fakeLlmServer.js';

const request: ModelRequest = {
  model: 'gpt-4o-mini',
  temperature: null,
  maxTokens: 256,
  tools: [{ type: 'function', function: { name: 'remember', description: 'keep a fact', parameters: { type: 'object', properties: { fact: { type: 'string' } } } } }],
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Alice: hello there' },
  ],
};

describe('OpenAiChatModel against the scripted server', () => {
  let llm: FakeLlm;
  const model = (overrides: { retries?: number; timeoutMs?: number; idleTimeoutMs?: number; logger?: Logger } = {}) =>
    new OpenAiChatModel(
      {
        baseUrl: llm.baseUrl,
        apiKey: 'test',
        timeoutMs: overrides.timeoutMs ?? 5000,
        idleTimeoutMs: overrides.idleTimeoutMs ?? 5000,
        maxCallMs: 20_000,
        retries: overrides.retries ?? 3,
        retryBaseMs: 5,
        logPrompts: false,
      },
      overrides.logger ?? silentLogger(),
    );
  beforeAll(async () => {
    llm = await startFakeLlm({ brain: 'none' });
  });
  beforeEach(() => llm.reset());
  afterAll(() => llm.close());

  it('streams text, reporting the whole text so far, with the provider usage', async () => {
    llm.enqueue({ text: 'one two three four five' });
    const seen: string[] = [];
    const response = await model().complete(request, { onText: (text) => seen.push(text) });
    expect(response.text).toBe('one two three four five');
    expect(response.toolCalls).toEqual([]);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe('one two three four five');
    expect(response.usage.promptTokens).toBe(llm.lastRequest()!.promptTokens);
    expect(llm.lastRequest()!.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_tokens: 256 });
  });

  it('assembles streamed tool calls, keeping arguments the model got wrong as they are', async () => {
    llm.enqueue({ toolCalls: [{ name: 'remember', arguments: { fact: 'tea over coffee' } }, { name: 'remember', arguments: '{not json' }] });
    const response = await model().complete(request);
    expect(response.toolCalls).toHaveLength(2);
    expect(response.toolCalls[0]).toMatchObject({ name: 'remember', arguments: '{"fact":"tea over coffee"}' });
    expect(response.toolCalls[1]).toMatchObject({ name: 'remember', arguments: '{not json' });
    expect(response.toolCalls[0]!.id).not.toBe(response.toolCalls[1]!.id);
  });

  it('retries a 429 after the retry-after the provider asked for, and a 500 with backoff', async () => {
    llm.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 0.2 } });
    llm.enqueue({ fault: { kind: 'status', status: 500 } });
    llm.enqueue({ text: 'finally' });
    const startedAt = performance.now();
    const response = await model().complete(request);
    expect(response.text).toBe('finally');
    expect(llm.requests).toHaveLength(3);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190);
  });

  it('retries a stream cut in the middle, restarting the text it reports', async () => {
    llm.enqueue({ fault: { kind: 'cutStream', afterChunks: 2, reply: { text: 'partial answer that is cut' } } });
    llm.enqueue({ text: 'complete answer' });
    const seen: string[] = [];
    const response = await model().complete(request, { onText: (text) => seen.push(text) });
    expect(response.text).toBe('complete answer');
    expect(seen).toContain('');
  });

  it('gives up after the last retry with a ModelError that says what failed', async () => {
    llm.enqueue({ fault: { kind: 'status', status: 503 } }, { times: 3 });
    const failure = await model({ retries: 2 }).complete(request).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelError);
    expect(failure).toMatchObject({ failure: 'unavailable', attempts: 3 });
    expect((failure as ModelError).userMessage).toContain('tried 3 times');
  });

  it('does not retry a request the provider rejects', async () => {
    llm.enqueue({ fault: { kind: 'status', status: 400 } }, { times: 3 });
    await expect(model().complete(request)).rejects.toMatchObject({ failure: 'rejected', attempts: 1 });
    expect(llm.requests).toHaveLength(1);
  });

  it('times out a call that hangs', async () => {
    llm.enqueue({ fault: { kind: 'hang' } });
    await expect(model({ retries: 0, timeoutMs: 200 }).complete(request)).rejects.toMatchObject({ failure: 'timeout' });
  });

  it('times out a stream that goes silent after it started, and tries again', async () => {
    // One word a second: the stream's headers and first chunk come, then a silence past the limit.
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 1, reply: { text: 'one two three four five six' } } });
    llm.enqueue({ text: 'recovered' });
    const response = await model({ idleTimeoutMs: 300 }).complete(request);
    expect(response.text).toBe('recovered');
    expect(llm.requests).toHaveLength(2);
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 1, reply: { text: 'one two three four five six' } } });
    await expect(model({ retries: 0, idleTimeoutMs: 300 }).complete(request)).rejects.toMatchObject({ failure: 'timeout', message: expect.stringContaining('went silent') });
  });

  it('stops at once, without retrying, when the caller aborts (a lost lease)', async () => {
    llm.enqueue({ fault: { kind: 'hang' } });
    const controller = new AbortController();
    const lost = new Error('lease lost');
    const call = model().complete(request, { signal: controller.signal });
    await llm.waitForRequests(1);
    controller.abort(lost);
    await expect(call).rejects.toBe(lost);
    expect(llm.requests).toHaveLength(1);
  });

  it('writes the SDK\'s complaints about a malformed stream into the structured log, not the console', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, warn: (_object, message) => warnings.push(message), error: () => {}, child: () => logger };
    const console = vi.spyOn(globalThis.console, 'error');
    llm.enqueue({ fault: { kind: 'malformedJson' } });
    llm.enqueue({ text: 'fine' });
    expect((await model({ logger }).complete(request)).text).toBe('fine');
    expect(console).not.toHaveBeenCalled();
    expect(warnings).toContain('Could not parse message into JSON:');
    console.mockRestore();
  });

  it('returns text PostgreSQL can store: no NUL, no lone surrogate', async () => {
    llm.enqueue({ text: 'a\u0000b \ud83d', toolCalls: [{ name: 'remember', arguments: '{"fact":"x\u0000y"}' }] });
    const response = await model().complete(request);
    expect(response.text).toBe('ab \ufffd');
    expect(response.toolCalls[0]!.arguments).toBe('{"fact":"xy"}');
  });
});
