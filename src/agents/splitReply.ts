/** Discord's limit on a message's content. */
export const DISCORD_MESSAGE_LIMIT = 2000;

const FENCE_LINE = /^\s*```/;
const CLOSING_FENCE = '\n```';

/**
 * Splits a reply into messages of at most `maxLength` characters, cutting at a paragraph, then
 * a line, then a word boundary. A code block cut in two is closed at the end of one message and
 * reopened (with its language) at the start of the next, so each message renders on its own.
 */
export function splitReply(text: string, maxLength = DISCORD_MESSAGE_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  let openFence: string | null = null;
  while (rest.length > 0) {
    const prefix = openFence ? `${openFence}\n` : '';
    if (prefix.length + rest.length <= maxLength) {
      chunks.push(prefix + rest);
      break;
    }
    const cut = findCut(rest, maxLength - prefix.length - CLOSING_FENCE.length);
    const piece = rest.slice(0, cut).trimEnd();
    openFence = fenceAfter(piece, openFence);
    rest = withoutSeparator(rest.slice(cut), openFence !== null);
    chunks.push(prefix + piece + (openFence ? CLOSING_FENCE : ''));
  }
  return chunks;
}

/**
 * The rest after a cut, without the break it was cut at: a message must not start with the space
 * of a word break or the newlines of a line break. Inside a code block only that break goes, so
 * the next line keeps its indentation; in prose, leading blanks mean nothing and are dropped.
 */
function withoutSeparator(rest: string, inCode: boolean): string {
  if (!inCode) return rest.replace(/^\s+/, '');
  return rest.startsWith('\n') ? rest.replace(/^\n+/, '') : rest.replace(/^[ \t]+/, '');
}

/** Where to cut within `budget` characters: the last paragraph, line or word break, else hard. */
function findCut(text: string, budget: number): number {
  const window = text.slice(0, budget + 1);
  const floor = Math.floor(budget * 0.3);
  for (const separator of ['\n\n', '\n', ' ']) {
    const index = window.lastIndexOf(separator, budget);
    if (index > floor) return index;
  }
  // Never split a surrogate pair (an emoji would turn into two broken characters).
  const code = text.charCodeAt(budget - 1);
  return code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget;
}

/** The fence line still open after `piece`, given the one open before it. */
function fenceAfter(piece: string, openBefore: string | null): string | null {
  let open = openBefore;
  for (const line of piece.split('\n')) {
    if (FENCE_LINE.test(line)) open = open ? null : line.trim();
  }
  return open;
}
