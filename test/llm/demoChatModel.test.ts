import { describe, expect, it } from 'vitest';
import type { ModelRequest } from '../../src/agents/ports.js';
import { DEMO_BRAIN_NOTE, DemoChatModel } from '../../src/demoBrain/demoChatModel.js';

const remember = { type: 'function' as const, function: { name: 'remember', description: 'Remember a fact', parameters: {} } };
const request = (text: string, tools = [remember]): ModelRequest => ({
  model: 'gpt-4o-mini',
  temperature: null,
  maxTokens: 100,
  tools,
  messages: [
    { role: 'system', content: 'You are Matryoshka.' },
    { role: 'user', content: text },
  ],
});

describe('the playground model when none is configured', () => {
  it('streams the demo brain\'s answer word by word and says it is the demo brain', async () => {
    const seen: string[] = [];
    const response = await new DemoChatModel().complete(request('alice: hello there'), { onText: (text) => seen.push(text) });
    expect(response.text).toBe(`Echo: alice: hello there (2 messages)\n${DEMO_BRAIN_NOTE}`);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.at(-1)).toBe(response.text);
    expect(seen.every((text, index) => index === 0 || text.startsWith(seen[index - 1]!))).toBe(true);
    expect(response.usage.promptTokens).toBeGreaterThan(0);
    expect(response.usage.completionTokens).toBeGreaterThan(0);
  });

  it('calls the tools its grammar names, when they are offered', async () => {
    const response = await new DemoChatModel().complete(request('remember: I prefer green tea'));
    expect(response).toMatchObject({ text: '', toolCalls: [{ name: 'remember', arguments: JSON.stringify({ fact: 'I prefer green tea' }) }] });
    expect((await new DemoChatModel().complete(request('remember: tea', []))).toolCalls).toEqual([]);
  });

  it('stops when the call is aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('lease lost');
    const call = new DemoChatModel().complete(request('a long enough sentence to stream for a while'), { onText: () => controller.abort(reason), signal: controller.signal });
    await expect(call).rejects.toBe(reason);
  });
});
