import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/agents/errors.js';
import { applyPersonaChanges, defaultPersona, parseTemperature } from '../../src/agents/persona.js';

/** The user-facing message of what `action` throws; fails the test when it throws nothing else. */
function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('user');
    return (error as AppError).userMessage ?? '';
  }
  throw new Error('expected a refusal, and nothing was thrown');
}

describe('parseTemperature', () => {
  it.each([
    ['0.7', 0.7],
    ['1', 1],
    ['.5', 0.5],
    ['0', 0],
    ['2', 2],
    ['2.0', 2],
    [' 1.25 ', 1.25],
  ])('reads "%s" as %d', (typed, value) => {
    expect(parseTemperature(typed)).toBe(value);
  });

  it('reads an empty field as the provider default', () => {
    expect(parseTemperature('')).toBeNull();
    expect(parseTemperature('   ')).toBeNull();
  });

  it.each(['0x1', '1e0', '0b1', '+1', '-0', 'Infinity', 'NaN', '1.2.3', 'hot', '.', '2.5', '3'])('refuses "%s", naming the field and the range', (typed) => {
    const message = refusal(() => parseTemperature(typed));
    expect(message).toContain('Temperature must be a plain number from 0 to 2');
    expect(message).toContain(`not "${typed}"`);
  });

  it('refuses a decimal comma, saying to write a dot', () => {
    expect(refusal(() => parseTemperature('1,5'))).toContain('(write 1.5: the decimal separator is a dot)');
  });
});

describe('applyPersonaChanges', () => {
  const current = defaultPersona('gpt-4o-mini');

  it('applies valid changes', () => {
    const changed = applyPersonaChanges(current, { name: ' Captain ', instructions: 'Talk like a ship captain.', model: 'gpt-4o', temperature: 0.3 });
    expect(changed).toMatchObject({ name: 'Captain', instructions: 'Talk like a ship captain.', model: 'gpt-4o', temperature: 0.3 });
  });

  it.each([
    ['zero-width spaces', '\u200b\u200b\u200b'],
    ['a byte-order mark and a word joiner', '\ufeff\u2060'],
    ['blanks', ' \n\t '],
  ])('refuses a name of only %s, naming the field', (_, name) => {
    expect(refusal(() => applyPersonaChanges(current, { name }))).toContain('name: the name is empty (blank or invisible characters only)');
  });

  it('refuses instructions of only invisible characters, naming the field', () => {
    const message = refusal(() => applyPersonaChanges(current, { instructions: '\u200d\u200c\u00ad' }));
    expect(message).toContain('instructions: the instructions are empty');
  });

  it('accepts a name with a visible character among invisible ones', () => {
    expect(applyPersonaChanges(current, { name: '\u200bB\u200b' }).name).toBe('\u200bB\u200b');
  });

  it('names every invalid field at once', () => {
    const message = refusal(() => applyPersonaChanges(current, { name: 'x'.repeat(81), instructions: '\u200b', temperature: 3 }));
    expect(message).toContain('name: the name is longer than 80 characters');
    expect(message).toContain('instructions: the instructions are empty');
    expect(message).toContain('temperature: temperature must be between 0 and 2');
  });
});
