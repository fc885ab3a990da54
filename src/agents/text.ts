/**
 * What PostgreSQL text (and jsonb) cannot hold, made storable at the edge: NUL becomes nothing
 * and a lone surrogate (half of an emoji, from a cut string or hostile input) becomes U+FFFD.
 * Everything a person or a model writes passes through here before it is stored.
 */
export function storableText(text: string): string {
  // Fast path: almost every text is already storable.
  if (!/[\u0000\ud800-\udfff]/.test(text)) return text;
  return text.replace(/\u0000/g, '').toWellFormed();
}

/** Characters that show nothing: zero-width spaces and joiners, the BOM, and word joiners. */
const INVISIBLE = /[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f\u180e]/gu;

/** Whether a text shows nothing at all once its blank and zero-width characters are gone. */
export function isVisiblyEmpty(text: string): boolean {
  return text.replace(INVISIBLE, '').length === 0;
}
