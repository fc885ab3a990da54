import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBrainReply, startFakeLlm, type FakeLlm } from '../../support/llm/fakeLlmServer.js';
import { functionTools, sdkClient } from './sdkClient.js';

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm({ brain: 'demo' });
});
afterAll(() => llm.close());

const allTools = functionTools('remember', 'forget', 'recall', 'spawn_helpers', 'schedule_task');

/** The demo brain's answer through the real SDK: text, or the tool calls with parsed arguments. */
async function ask(messages: ChatCompletionMessageParam[], tools = allTools): Promise<{ text: string | null; calls: unknown[] }> {
  const completion = await sdkClient(llm).chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
  const message = completion.choices[0]?.message;
  const calls = (message?.tool_calls ?? []).map((call) =>
    call.type === 'function' ? { name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown } : call,
  );
  return { text: message?.content ?? null, calls };
}

const user = (content: string): ChatCompletionMessageParam => ({ role: 'user', content });

describe('the demo brain, through the SDK', () => {
  it('echoes the last user message and counts every message, system included', async () => {
    const reply = await ask([{ role: 'system', content: 'persona' }, user('first'), { role: 'assistant', content: 'ok' }, user('hi there')]);
    expect(reply).toEqual({ text: 'Echo: hi there (4 messages)', calls: [] });
  });

  it('remember: <fact> calls remember with the fact', async () => {
    const reply = await ask([user('alice: remember: the deploy is on Fridays')]);
    expect(reply.calls).toEqual([{ name: 'remember', arguments: { fact: 'the deploy is on Fridays' } }]);
  });

  it('spawn <helper>: <task> calls spawn_helpers with helper and task', async () => {
    const reply = await ask([user('spawn researcher: find X')]);
    expect(reply.calls).toEqual([{ name: 'spawn_helpers', arguments: { helpers: [{ helper: 'researcher', task: 'find X' }] } }]);
  });

  it('spawn: <task> omits the helper, and several spawn lines make one call', async () => {
    const reply = await ask([user('spawn: summarise the thread\nspawn critic: review it')]);
    expect(reply.calls).toEqual([
      { name: 'spawn_helpers', arguments: { helpers: [{ task: 'summarise the thread' }, { helper: 'critic', task: 'review it' }] } },
    ]);
  });

  it('schedule "<cron>": <task> calls schedule_task', async () => {
    const reply = await ask([user('schedule "0 9 * * *": post the digest')]);
    expect(reply.calls).toEqual([{ name: 'schedule_task', arguments: { cron: '0 9 * * *', task: 'post the digest' } }]);
  });

  it('forget: <id> and recall: <query> call forget and recall', async () => {
    const reply = await ask([user('forget: #12\nrecall: deploy day')]);
    expect(reply.calls).toEqual([
      { name: 'forget', arguments: { fact_id: 12 } },
      { name: 'recall', arguments: { query: 'deploy day' } },
    ]);
  });

  it('ignores a command whose tool is not offered and echoes instead', async () => {
    const reply = await ask([user('remember: secret')], functionTools('recall'));
    expect(reply).toEqual({ text: 'Echo: remember: secret (1 messages)', calls: [] });
  });

  it('after a tool result, says what the tool returned (first 200 characters)', async () => {
    const longResult = `Saved fact #7. ${'x'.repeat(300)}`;
    const reply = await ask([
      user('remember: tea'),
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'remember', arguments: '{"fact":"tea"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_a', content: longResult },
    ]);
    expect(reply).toEqual({ text: `Tool remember returned: ${longResult.slice(0, 200)}`, calls: [] });
  });

  it('uses the concatenated text parts of a multi-part user message', async () => {
    const reply = await ask([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is ' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'text', text: 'in this picture?' },
        ],
      },
    ]);
    expect(reply.text).toBe('Echo: what is in this picture? (1 messages)');
  });
});

describe('demoBrainReply, directly', () => {
  const offered = ['remember', 'spawn_helpers', 'schedule_task'];

  it('calls no tool when the last message is not the user’s', () => {
    const reply = demoBrainReply({ messages: [user('remember: x'), { role: 'assistant', content: 'done' }], toolNames: offered });
    expect(reply).toEqual({ text: 'Echo: remember: x (2 messages)' });
  });

  it('takes the command that starts first on a line', () => {
    const reply = demoBrainReply({ messages: [user('remember: I will spawn later: maybe')], toolNames: offered });
    expect(reply.toolCalls).toEqual([{ name: 'remember', arguments: { fact: 'I will spawn later: maybe' } }]);
  });

  it('answers one line per trailing tool result, naming each tool', () => {
    const reply = demoBrainReply({
      toolNames: offered,
      messages: [
        user('go'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'remember', arguments: '{}' } },
            { id: 'b', type: 'function', function: { name: 'schedule_task', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'a', content: 'saved' },
        { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'scheduled #3' }] },
      ],
    });
    expect(reply.text).toBe('Tool remember returned: saved\nTool schedule_task returned: scheduled #3');
  });

  it('echoes an empty string when there is no user message at all', () => {
    expect(demoBrainReply({ messages: [{ role: 'system', content: 'persona' }], toolNames: [] })).toEqual({ text: 'Echo:  (1 messages)' });
  });
});
