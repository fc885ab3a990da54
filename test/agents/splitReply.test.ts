import { describe, expect, it } from 'vitest';
import { DISCORD_MESSAGE_LIMIT, splitReply } from '../../src/agents/splitReply.js';

const fenceCount = (text: string) => text.split('\n').filter((line) => /^\s*```/.test(line)).length;

describe('splitReply', () => {
  it('keeps a short reply whole', () => {
    expect(splitReply('hello there')).toEqual(['hello there']);
  });

  it('returns nothing for an empty reply', () => {
    expect(splitReply('  \n ')).toEqual([]);
  });

  it('cuts a 3,000-character reply at a paragraph boundary into messages within the limit', () => {
    const paragraphs = Array.from({ length: 32 }, (_, index) => `Paragraph ${index} ${'x'.repeat(85)}`);
    const text = paragraphs.join('\n\n');
    expect(text.length).toBeGreaterThan(3000);
    const chunks = splitReply(text);
    expect(chunks.length).toBe(2);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    expect(chunks[0]!.endsWith('x')).toBe(true);
    expect(chunks[1]!.startsWith('Paragraph')).toBe(true);
    expect(chunks.join('\n\n')).toBe(text);
  });

  it('closes a code block cut in two and reopens it with its language', () => {
    const code = Array.from({ length: 150 }, (_, index) => `const value${index} = ${index};`).join('\n');
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    const chunks = splitReply(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
      expect(fenceCount(chunk) % 2).toBe(0);
    }
    expect(chunks[1]!.startsWith('```ts\n')).toBe(true);
    expect(chunks.at(-1)!.endsWith('That is all.')).toBe(true);
  });

  it('starts no part with the space it was cut at, and loses no word', () => {
    const text = Array.from({ length: 700 }, (_, index) => `w${index}`).join(' ');
    const chunks = splitReply(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk).toBe(chunk.trim());
      expect(chunk.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    }
    expect(chunks.join(' ')).toBe(text);
  });

  it('starts no prose part with blanks after a line cut, but keeps the indentation of code', () => {
    // The only line break within the first 2,000 characters is followed by an indented line.
    const prose = `${'word '.repeat(300).trim()}\n   ${'b'.repeat(1000)}`;
    expect(splitReply(prose)).toEqual(['word '.repeat(300).trim(), 'b'.repeat(1000)]);

    const code = Array.from({ length: 120 }, (_, index) => `    call(${index}); // ${'z'.repeat(20)}`).join('\n');
    const chunks = splitReply(`\`\`\`js\n${code}\n\`\`\``);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(1)) expect(chunk).toMatch(/^```js\n {4}call\(\d+\);/);
    const lines = chunks.flatMap((chunk) => chunk.split('\n').filter((line) => !line.startsWith('```')));
    expect(lines.join('\n')).toBe(code);
  });

  it('hard-cuts a text without spaces and never splits a surrogate pair', () => {
    const text = '😀'.repeat(1500);
    const chunks = splitReply(text, 2000);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(2000);
      expect(chunk).not.toMatch(/[\ud800-\udbff]$/);
    }
  });
});
