import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextBuilder } from '../../src/agents/context.js';
import type { EngineStores, ToolSpec } from '../../src/agents/ports.js';
import { withTokenCount } from '../../src/agents/promptMessages.js';
import { countRequestTokens, withSafetyMargin } from '../../src/agents/tokens.js';
import { createToolbox } from '../../src/agents/tools/index.js';
import { createEngineStores } from '../../src/db/repositories/index.js';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { acceptMessage, newChannel, testPersona, userMessage } from '../support/engine/builders.js';

describe.each(testDrivers())('context builder on %s', (driver) => {
  let database: TestDatabase;
  let stores: EngineStores;
  const tools: ToolSpec[] = createToolbox().specs();
  beforeAll(async () => {
    database = await createTestDatabase(driver);
    stores = createEngineStores(database.db, { helperResultMaxTokens: 1000 });
  });
  afterAll(() => database.destroy());

  it('starts with the persona, keeps the newest messages and never exceeds the budget', async () => {
    const { agent } = await acceptMessage(stores, newChannel(), userMessage('message 0'));
    for (let index = 1; index < 300; index++) {
      await stores.messages.append(agent, [userMessage(`message ${index} ${'lorem ipsum '.repeat(index % 7)}`)]);
    }
    await stores.memory.addFact(agent, 'The team meets on Tuesdays.', 'user-1');
    const builder = new ContextBuilder(stores, { tokenBudget: 2000 });
    const context = await builder.build(agent, tools);
    expect(context.messages[0]).toMatchObject({ role: 'system' });
    expect(context.messages[0]!.content).toContain(testPersona.instructions);
    expect(context.messages[1]!.content).toContain('[#');
    expect(context.messages.at(-1)!.content).toContain('message 299');
    expect(context.omittedMessages).toBe(true);
    const exact = withSafetyMargin(countRequestTokens(context.messages, tools));
    expect(exact).toBeLessThanOrEqual(2000);
    expect(context.promptTokens).toBe(exact);
    expect(exact).toBeGreaterThan(1700);
  });

  it('never separates a tool result from the call that asked for it', async () => {
    const { agent } = await acceptMessage(stores, newChannel(), userMessage('please remember x'));
    for (let index = 0; index < 40; index++) {
      const callId = `call_${index}`;
      await stores.messages.append(agent, [
        withTokenCount({ role: 'assistant', content: '', toolCalls: [{ id: callId, name: 'remember', arguments: '{"fact":"x"}' }] }),
        withTokenCount({ role: 'tool', content: `Remembered as fact #${index} ${'padding '.repeat(20)}`, toolCallId: callId, toolName: 'remember' }),
      ]);
    }
    const context = await new ContextBuilder(stores, { tokenBudget: 1500 }).build(agent, tools);
    const history = context.messages.filter((message) => message.role !== 'system');
    expect(history[0]!.role).toBe('assistant');
    expect(context.promptTokens).toBeLessThanOrEqual(1500);
  });

  it('cuts a single message too large for the budget rather than sending nothing', async () => {
    const { agent } = await acceptMessage(stores, newChannel(), userMessage('word '.repeat(5000)));
    const context = await new ContextBuilder(stores, { tokenBudget: 2500 }).build(agent, tools);
    expect(context.messages.at(-1)).toMatchObject({ role: 'user' });
    expect(String(context.messages.at(-1)!.content)).toContain('[cut to fit the context]');
    expect(withSafetyMargin(countRequestTokens(context.messages, tools))).toBeLessThanOrEqual(2500);
  });

  it('leaves out an answer stored just after a /reset: it belongs to the conversation before', async () => {
    const { agent } = await acceptMessage(stores, newChannel(), userMessage('the code is swordfish'));
    const [asked] = await stores.messages.newestMessages(agent.id, { afterId: 0, limit: 1 });
    await stores.agents.resetConversation(agent.id, { dropFacts: false, wipe: false });
    // The turn that was answering when /reset came stores its answer now, after the reset point.
    await stores.messages.append(agent, [withTokenCount({ role: 'assistant', content: 'Noted: swordfish.', seenThroughId: asked!.id })]);
    await stores.messages.append(agent, [userMessage('hello again')]);
    const afterReset = (await stores.agents.getById(agent.id))!;
    const context = await new ContextBuilder(stores, { tokenBudget: 2000 }).build(afterReset, tools);
    const history = JSON.stringify(context.messages.filter((message) => message.role !== 'system'));
    expect(history).toContain('hello again');
    expect(history).not.toContain('swordfish');
  });
});
