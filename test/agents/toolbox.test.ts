import { describe, expect, it } from 'vitest';
import { createToolbox } from '../../src/agents/tools/index.js';
import type { ToolContext } from '../../src/agents/tools/tool.js';

// None of these calls reaches a tool's body, so the context is never used.
const unusedContext = {} as ToolContext;

describe('Toolbox', () => {
  const toolbox = createToolbox();

  it('offers JSON schemas the model can follow', () => {
    const remember = toolbox.specs().find((spec) => spec.function.name === 'remember')!;
    expect(remember.function.parameters).toMatchObject({ type: 'object', properties: { fact: { type: 'string' } }, required: ['fact'] });
  });

  it('turns malformed JSON into a result telling the model what to fix', async () => {
    const { result, ok } = await toolbox.run({ id: 'c1', name: 'remember', arguments: '{"fact": ' }, unusedContext);
    expect(ok).toBe(false);
    expect(result).toMatch(/^Error: the arguments were not valid JSON .*Call remember again with a JSON object\.$/);
  });

  it('names each invalid argument', async () => {
    const { result } = await toolbox.run({ id: 'c2', name: 'recall', arguments: '{"query": "", "limit": 99}' }, unusedContext);
    expect(result).toContain('query: the query is empty');
    expect(result).toContain('limit:');
  });

  it('refuses a tool it does not have', async () => {
    const { result, ok } = await toolbox.run({ id: 'c3', name: 'launch_rockets', arguments: '{}' }, unusedContext);
    expect(ok).toBe(false);
    expect(result).toBe('Error: there is no tool named "launch_rockets".');
  });

  it('offers a persona only the tools it allows', () => {
    expect(toolbox.forPersona(['recall']).specs().map((spec) => spec.function.name)).toEqual(['recall']);
    expect(toolbox.forPersona(null).specs()).toHaveLength(7);
  });
});
