import { describe, expect, it } from 'vitest';
import { BUILTIN_HELPERS, findBuiltinHelper, GENERAL_HELPER_NAME } from '../../src/agents/tree/builtinHelpers.js';

const ALLOWED_TOOLS = new Set(['recall', 'remember', 'spawn_helpers']);
const wordCount = (text: string) => text.trim().split(/\s+/).length;

describe('BUILTIN_HELPERS', () => {
  it('are the six helpers, general first, with unique lower-case names', () => {
    const names = BUILTIN_HELPERS.map((helper) => helper.name);
    expect(names).toEqual([GENERAL_HELPER_NAME, 'researcher', 'planner', 'critic', 'coder', 'summarizer']);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
  });

  it('describe themselves in one line that fits autocomplete', () => {
    for (const helper of BUILTIN_HELPERS) {
      expect(helper.description.length).toBeGreaterThan(0);
      expect(helper.description.length).toBeLessThanOrEqual(100);
      expect(helper.description).not.toContain('\n');
    }
  });

  it('carry instructions of a useful length that say how to report and what they cannot do', () => {
    for (const helper of BUILTIN_HELPERS) {
      expect(wordCount(helper.instructions)).toBeGreaterThanOrEqual(120);
      expect(wordCount(helper.instructions)).toBeLessThanOrEqual(260);
      expect(helper.instructions).toContain('no web access');
      expect(helper.instructions).toContain('no questions back');
    }
  });

  it('grant only known tools, recall and remember to all', () => {
    for (const helper of BUILTIN_HELPERS) {
      for (const tool of helper.tools) expect(ALLOWED_TOOLS.has(tool)).toBe(true);
      expect(helper.tools).toContain('recall');
      expect(helper.tools).toContain('remember');
    }
  });

  it('let only the helpers that split work spawn helpers of their own', () => {
    const spawners = BUILTIN_HELPERS.filter((helper) => helper.tools.includes('spawn_helpers')).map((helper) => helper.name);
    expect(spawners).toEqual(['helper', 'researcher', 'planner', 'coder']);
    for (const name of ['critic', 'summarizer']) {
      expect(findBuiltinHelper(name)!.instructions).not.toContain('spawn_helpers');
    }
  });

  it('leave the model to HELPER_MODEL and set only sensible temperatures', () => {
    for (const helper of BUILTIN_HELPERS) {
      expect(helper.model).toBeNull();
      if (helper.temperature !== null) {
        expect(helper.temperature).toBeGreaterThanOrEqual(0);
        expect(helper.temperature).toBeLessThanOrEqual(1);
      }
    }
  });

  it('cannot be changed by one guild for all the others', () => {
    expect(Object.isFrozen(BUILTIN_HELPERS)).toBe(true);
    for (const helper of BUILTIN_HELPERS) expect(Object.isFrozen(helper)).toBe(true);
  });
});

describe('findBuiltinHelper', () => {
  it('finds a helper whatever its case and surrounding blanks', () => {
    expect(findBuiltinHelper('researcher')?.name).toBe('researcher');
    expect(findBuiltinHelper('  ReSeArChEr \n')?.name).toBe('researcher');
    expect(findBuiltinHelper('HELPER')?.name).toBe(GENERAL_HELPER_NAME);
  });

  it('returns undefined for a name it does not know', () => {
    expect(findBuiltinHelper('astrologer')).toBeUndefined();
    expect(findBuiltinHelper('')).toBeUndefined();
    expect(findBuiltinHelper('research')).toBeUndefined();
  });
});
