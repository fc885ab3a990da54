import { describe, expect, it } from 'vitest';
import { normaliseTask, repeatedAncestorTask, SAME_TASK_OVERLAP, tokenSetOverlap } from '../../src/agents/tree/taskSimilarity.js';

/** A task of `count` distinct words, w0 … w(count-1). */
const words = (count: number, prefix = 'w') => Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');

describe('normaliseTask', () => {
  it('lower-cases, drops punctuation and symbols, and collapses whitespace', () => {
    expect(normaliseTask('  Research   the HISTORY,\tof X!!  \n')).toBe('research the history of x');
    expect(normaliseTask('Plan: (a) budget; (b) “timeline” → €100 & #ship')).toBe('plan a budget b timeline 100 ship');
  });

  it('lets punctuation separate words instead of gluing them', () => {
    expect(normaliseTask('France 1900-1950/UK')).toBe('france 1900 1950 uk');
  });

  it('keeps accented and non-Latin words whole', () => {
    expect(normaliseTask('Résumé de l’Histoire — ÉTÉ')).toBe('résumé de l histoire été');
    expect(normaliseTask('История России!')).toBe('история россии');
    expect(normaliseTask('東京の歴史を調べて。')).toBe('東京の歴史を調べて');
    // Devanagari vowel signs are combining marks: dropping them would cut the word apart.
    expect(normaliseTask('हिन्दी साहित्य का इतिहास।')).toBe('हिन्दी साहित्य का इतिहास');
  });

  it('reads a composed and a decomposed accent the same', () => {
    expect(normaliseTask('cafe\u0301')).toBe(normaliseTask('caf\u00e9'));
  });

  it('leaves nothing of a task made of emoji and symbols only', () => {
    expect(normaliseTask(' 🎉 … !? ')).toBe('');
  });
});

describe('tokenSetOverlap', () => {
  it('is 1 for the same words in any order, case or punctuation', () => {
    expect(tokenSetOverlap('Research the history of X', 'x: history of the research.')).toBe(1);
  });

  it('counts each word once', () => {
    expect(tokenSetOverlap('very very important', 'important very')).toBe(1);
  });

  it('is shared words over all words', () => {
    expect(tokenSetOverlap('a b c', 'b c d')).toBe(2 / 4);
    expect(tokenSetOverlap('a b', 'c d')).toBe(0);
  });

  it('is 0 when both tasks are empty, and when one is', () => {
    expect(tokenSetOverlap('', '  ')).toBe(0);
    expect(tokenSetOverlap('!!!', 'a')).toBe(0);
  });
});

describe('repeatedAncestorTask', () => {
  const ancestors = ['Plan the product launch', 'Research the history of X'];

  it('finds the ancestor a task repeats despite case, punctuation and spacing', () => {
    expect(repeatedAncestorTask('  research THE history of x. ', ancestors)).toBe('Research the history of X');
  });

  it('finds a repeat in another word order', () => {
    expect(repeatedAncestorTask('the history of X: research', ancestors)).toBe('Research the history of X');
  });

  it('does not refuse a genuinely narrower subtask', () => {
    expect(repeatedAncestorTask('Research the history of X in France 1900-1950', ancestors)).toBeNull();
  });

  it('returns null without ancestors or without a match', () => {
    expect(repeatedAncestorTask('Research the history of X', [])).toBeNull();
    expect(repeatedAncestorTask('Write the launch email', ancestors)).toBeNull();
  });

  it('returns the first ancestor repeated, nearest root first as given', () => {
    expect(repeatedAncestorTask('plan the product launch', ['Plan the product launch!', 'plan the product launch'])).toBe('Plan the product launch!');
  });

  it('refuses at exactly the threshold and accepts just below it', () => {
    const ancestor = words(10);
    const nineOfTen = words(9);
    const eightOfNine = words(8);
    expect(tokenSetOverlap(nineOfTen, ancestor)).toBe(SAME_TASK_OVERLAP);
    expect(repeatedAncestorTask(nineOfTen, [ancestor])).toBe(ancestor);
    expect(tokenSetOverlap(words(9), eightOfNine)).toBeLessThan(SAME_TASK_OVERLAP);
    expect(repeatedAncestorTask(eightOfNine, [words(9)])).toBeNull();
  });

  it('compares tasks without words by their exact text only', () => {
    expect(repeatedAncestorTask('🎉', ['🎉'])).toBe('🎉');
    expect(repeatedAncestorTask('🎉', ['🔥'])).toBeNull();
    expect(repeatedAncestorTask('🎉', ['party'])).toBeNull();
  });
});
