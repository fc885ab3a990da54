/**
 * Refuses a helper whose task only repeats one of its ancestors' tasks. A model that cannot make
 * progress tends to hand its whole task down unchanged ("research X" → "research X" → …); depth
 * and budget limits would stop that eventually, but only after paying for every level of it.
 * A genuinely narrower subtask adds words of its own, which keeps its overlap below the threshold.
 */

/**
 * Everything that is not a letter, a combining mark or a digit. Marks are kept so that words in
 * scripts written with them (Devanagari vowel signs, Thai tone marks) and decomposed accents are
 * not cut into pieces.
 */
const NOT_WORD_CHARACTERS = /[^\p{L}\p{M}\p{N}]+/gu;

/**
 * Lower case, punctuation and symbols dropped, whitespace collapsed (Unicode-aware: letters, marks
 * and digits of every script stay). A dropped run still separates words ("1900-1950" → "1900
 * 1950"), so a hyphen or a slash cannot glue two words into a new one. NFC first: "é" typed as one
 * character or as e + accent reads the same.
 */
export function normaliseTask(task: string): string {
  return task.normalize('NFC').toLowerCase().replace(NOT_WORD_CHARACTERS, ' ').trim();
}

function wordSet(task: string): Set<string> {
  const normalised = normaliseTask(task);
  return new Set(normalised.length > 0 ? normalised.split(' ') : []);
}

/** |A ∩ B| / |A ∪ B| over the sets of words of the normalised tasks (0 when both are empty). */
export function tokenSetOverlap(a: string, b: string): number {
  const wordsOfA = wordSet(a);
  const wordsOfB = wordSet(b);
  let shared = 0;
  for (const word of wordsOfA) if (wordsOfB.has(word)) shared += 1;
  const union = wordsOfA.size + wordsOfB.size - shared;
  return union === 0 ? 0 : shared / union;
}

/**
 * At 0.9 a task must share nine words in ten with an ancestor's to count as a repeat: rewording
 * or reordering is caught, while adding a place, a period or an aspect ("… in France 1900-1950")
 * to a short task is not.
 */
export const SAME_TASK_OVERLAP = 0.9;

/** The first ancestor task that `task` repeats (equal once normalised, or overlap ≥ SAME_TASK_OVERLAP), or null. */
export function repeatedAncestorTask(task: string, ancestorTasks: readonly string[]): string | null {
  const normalised = normaliseTask(task);
  for (const ancestorTask of ancestorTasks) {
    if (normalised.length === 0) {
      // Nothing but emoji or symbols: no words to compare, so only the very same text is a repeat.
      if (task.trim() === ancestorTask.trim()) return ancestorTask;
      continue;
    }
    if (normalised === normaliseTask(ancestorTask)) return ancestorTask;
    if (tokenSetOverlap(task, ancestorTask) >= SAME_TASK_OVERLAP) return ancestorTask;
  }
  return null;
}
