const NUL = String.fromCharCode(0);

/**
 * What PostgreSQL text (and jsonb) cannot hold, made storable at the edge: NUL becomes nothing
 * and a lone surrogate (half of an emoji, from a cut string or hostile input) becomes U+FFFD.
 * Everything a person or a model writes passes through here before it is stored.
 */
export function storableText(text: string): string {
  // Almost every text is already storable: checked without building a new string.
  if (!text.includes(NUL) && text.isWellFormed()) return text;
  return text.replaceAll(NUL, '').toWellFormed();
}

/** Characters that show nothing: blanks, zero-width spaces and joiners, marks, the BOM, word joiners. */
const INVISIBLE = /\s|[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e]|\u034f/gu;

/** Whether a text shows nothing at all once its blank and zero-width characters are gone. */
export function isVisiblyEmpty(text: string): boolean {
  return text.replace(INVISIBLE, '').length === 0;
}
