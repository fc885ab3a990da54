import { APIConnectionError, APIConnectionTimeoutError, InternalServerError, RateLimitError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countTextTokens } from '../../../src/agents/tokens.js';
import { startFakeLlm, type FakeLlm } from '../../support/llm/fakeLlmServer.js';
import { sdkClient } from './sdkClient.js';

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterEach(() => llm.reset());
afterAll(() => llm.close());

const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] as ChatCompletionMessageParam[] };
const longReply = { text: 'one two three four five six seven eight nine ten eleven twelve' };

/** Reads a stream to its end, returning what arrived before an error (if any). */
async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error?: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}

describe('status faults', () => {
  it('a 429 arrives as RateLimitError with its retry-after header readable', async () => {
    llm.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } });

    const error = await sdkClient(llm).chat.completions.create(request).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).status).toBe(429);
    expect((error as RateLimitError).headers.get('retry-after')).toBe('1');
    expect((error as RateLimitError).code).toBe('rate_limit_exceeded');
  });

  it('a 500 queued three times fails three calls with InternalServerError, then the brain answers', async () => {
    llm.enqueue({ fault: { kind: 'status', status: 500 } }, { times: 3 });
    const client = sdkClient(llm);

    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(client.chat.completions.create(request)).rejects.toBeInstanceOf(InternalServerError);
    }
    const completion = await client.chat.completions.create(request);

    expect(completion.choices[0]?.message.content).toBe('Echo: hello (1 messages)');
    expect(llm.queuedResponseCount).toBe(0);
    expect(llm.requests.map((recorded) => recorded.outcome?.kind)).toEqual(['fault', 'fault', 'fault', 'reply']);
  });

  it('a custom error body reaches the SDK error', async () => {
    llm.enqueue({ fault: { kind: 'status', status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } } });

    await expect(sdkClient(llm).chat.completions.create(request)).rejects.toMatchObject({ status: 503, message: '503 overloaded' });
  });
});

describe('connection faults', () => {
  it('a hang past the client timeout arrives as APIConnectionTimeoutError', async () => {
    llm.enqueue({ fault: { kind: 'hang' } });

    const error = await sdkClient(llm, { timeout: 150 }).chat.completions.create(request).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect(llm.lastRequest()?.outcome).toEqual({ kind: 'fault', fault: { kind: 'hang' } });
  });

  it('records when the client abandons a hung request, and not for one answered in full', async () => {
    llm.enqueue({ fault: { kind: 'hang' } });
    const controller = new AbortController();
    const call = sdkClient(llm).chat.completions.create(request, { signal: controller.signal }).catch((caught: unknown) => caught);
    const [hung] = await llm.waitForRequests(1, { timeoutMs: 2000 });
    expect(hung!.abandonedAt).toBeUndefined();
    const abortedAt = Date.now();
    controller.abort();
    await call;
    await expect.poll(() => hung!.abandonedAt, { timeout: 2000 }).toBeInstanceOf(Date);
    expect(hung!.abandonedAt!.getTime() - abortedAt).toBeLessThan(500);

    llm.enqueue({ text: 'whole' });
    await sdkClient(llm).chat.completions.create(request);
    expect(llm.lastRequest()!.abandonedAt).toBeUndefined();
  });

  it('a disconnect before any byte arrives as APIConnectionError', async () => {
    llm.enqueue({ fault: { kind: 'disconnect' } });

    await expect(sdkClient(llm).chat.completions.create(request)).rejects.toBeInstanceOf(APIConnectionError);
  });

  it('close() ends hung requests instead of waiting for them', async () => {
    const own = await startFakeLlm();
    own.enqueue({ fault: { kind: 'hang' } }, { times: 2 });
    const client = sdkClient(own);
    const hung = [client.chat.completions.create(request), client.chat.completions.create({ ...request, stream: true })];
    const settled = Promise.allSettled(hung);
    await own.waitForRequests(2, { timeoutMs: 2000 });

    const startedAt = Date.now();
    await own.close();
    const results = await settled;

    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(results.map((result) => result.status === 'rejected' && result.reason instanceof APIConnectionError)).toEqual([true, true]);
  });
});

describe('malformed and cut responses', () => {
  it('malformed JSON in a non-streaming answer rejects the call', async () => {
    llm.enqueue({ fault: { kind: 'malformedJson' } });

    await expect(sdkClient(llm).chat.completions.create(request)).rejects.toBeInstanceOf(SyntaxError);
  });

  it('a malformed event in a stream rejects the iteration after the first chunk', async () => {
    llm.enqueue({ fault: { kind: 'malformedJson' } });

    const { chunks, error } = await drain(await sdkClient(llm).chat.completions.create({ ...request, stream: true }));

    expect(chunks).toHaveLength(1);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('a stream cut after N chunks delivers N chunks, then the iteration rejects', async () => {
    llm.enqueue({ fault: { kind: 'cutStream', afterChunks: 3, reply: longReply } });

    const { chunks, error } = await drain(await sdkClient(llm).chat.completions.create({ ...request, stream: true }));

    expect(chunks).toHaveLength(3);
    expect(chunks.every((chunk) => chunk.choices[0]?.finish_reason === null)).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/terminated/);
  });

  it('a cut non-streaming answer rejects the call', async () => {
    llm.enqueue({ fault: { kind: 'cutStream', afterChunks: 0 } });

    await expect(sdkClient(llm).chat.completions.create(request)).rejects.toThrow(/terminated/);
  });
});

describe('slow streams', () => {
  it('paces a stream at about N completion tokens per second', async () => {
    const tokensPerSecond = 200;
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond, reply: longReply } });
    const startedAt = Date.now();

    const { chunks, error } = await drain(await sdkClient(llm).chat.completions.create({ ...request, stream: true }));

    const expectedMilliseconds = (countTextTokens(longReply.text) / tokensPerSecond) * 1000;
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(longReply.text);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(expectedMilliseconds * 0.8);
    expect(llm.lastRequest()?.outcome).toMatchObject({ kind: 'fault', completionTokens: countTextTokens(longReply.text) });
  });

  it('delays a non-streaming answer by the same total', async () => {
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 200, reply: longReply } });
    const startedAt = Date.now();

    const completion = await sdkClient(llm).chat.completions.create(request);

    expect(completion.choices[0]?.message.content).toBe(longReply.text);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual((countTextTokens(longReply.text) / 200) * 1000 * 0.8);
  });

  it('keeps serving after a client abandons a slow stream', async () => {
    llm.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 50, reply: longReply } });
    const client = sdkClient(llm);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break; // breaking out aborts the HTTP request
    }

    const completion = await client.chat.completions.create(request);

    expect(completion.choices[0]?.message.content).toBe('Echo: hello (1 messages)');
  });

  it('a slow stream without a reply delivers the demo brain answer, and close() stops it', async () => {
    const own = await startFakeLlm();
    own.enqueue({ fault: { kind: 'slowStream', tokensPerSecond: 1 } });
    const stream = await sdkClient(own).chat.completions.create({ ...request, stream: true });
    const drained = drain(stream);

    const startedAt = Date.now();
    await own.close();
    const { error } = await drained;

    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(error).toBeInstanceOf(Error);
    expect(own.lastRequest()?.outcome).toMatchObject({ reply: { text: 'Echo: hello (1 messages)' } });
  });
});
