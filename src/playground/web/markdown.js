import { h } from 'preact';
import htm from 'htm';

const html = htm.bind(h);

/*
 * Discord's markdown, reduced to what the bot writes: code blocks, quotes, headings, subtext,
 * lists, bold/italic/underline/strike, inline code, links, mentions and timestamps. Text only ever
 * becomes text nodes (never innerHTML), so nothing a model writes can inject markup.
 */

/**
 * @typedef {object} Names how the page names the ids in mentions
 * @property {(id: string) => string} user
 * @property {(id: string) => string} channel
 * @property {(id: string) => string} role
 * @property {(id: string) => void} openChannel follows a channel mention
 */

/** A message's text as Preact nodes. @param {string} text @param {Names} names */
export function renderMarkdown(text, names) {
  const blocks = [];
  // The language is only a language when a newline follows it: ```hello``` is the code "hello".
  const fence = /```(?:([\w+#.-]+)\n)?\n?([\s\S]*?)```/g;
  let last = 0;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    if (match.index > last) blocks.push(...renderBlocks(text.slice(last, match.index), names));
    blocks.push(html`<pre class="code-block" data-language=${match[1] ?? ''}><code>${match[2].replace(/\n$/, '')}</code></pre>`);
    last = match.index + match[0].length;
  }
  if (last < text.length) blocks.push(...renderBlocks(text.slice(last), names));
  return blocks;
}

/** Lines outside code blocks: `>>> ` quotes the rest, consecutive `> ` lines make one quote. */
function renderBlocks(text, names) {
  const lines = text.replace(/^\n+|\n+$/g, '').split('\n');
  const blocks = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    if (line.startsWith('>>> ')) {
      blocks.push(html`<blockquote>${[line.slice(4), ...lines.slice(index + 1)].map((inner) => renderLine(inner, names))}</blockquote>`);
      break;
    }
    if (isQuote(line)) {
      const quoted = [];
      for (; index < lines.length && isQuote(lines[index]); index += 1) quoted.push(lines[index].slice(2));
      index -= 1;
      blocks.push(html`<blockquote>${quoted.map((inner) => renderLine(inner, names))}</blockquote>`);
      continue;
    }
    blocks.push(renderLine(line, names));
  }
  return blocks;
}

const isQuote = (line) => line === '>' || line.startsWith('> ');

function renderLine(line, names) {
  const heading = /^(#{1,3}) (.*)$/.exec(line);
  if (heading) return h(`h${heading[1].length + 2}`, { class: 'md-heading' }, renderInline(heading[2], names));
  if (line.startsWith('-# ')) return html`<div class="md-subtext">${renderInline(line.slice(3), names)}</div>`;
  const item = /^(\s*)([-*]|\d+\.) (.*)$/.exec(line);
  if (item) {
    const marker = item[2] === '-' || item[2] === '*' ? '•' : item[2];
    return html`<div class="md-item" style=${{ paddingLeft: `${item[1].length / 2}em` }}><span class="md-marker">${marker}</span>${renderInline(item[3], names)}</div>`;
  }
  return html`<div class="md-line">${line === '' ? '\u00a0' : renderInline(line, names)}</div>`;
}

const link = (href, text) => html`<a href=${href} target="_blank" rel="noreferrer noopener">${text}</a>`;

/** Inline rules; when two match at the same place the earlier rule wins (`**` before `*`). */
const INLINE = [
  { pattern: /\\([*_~`|\\<>#@-])/, render: (match) => match[1] },
  { pattern: /`([^`]+)`/, render: (match) => html`<code class="inline-code">${match[1]}</code>` },
  { pattern: /\*\*(.+?)\*\*/, render: (match, names) => html`<strong>${renderInline(match[1], names)}</strong>` },
  { pattern: /__(.+?)__/, render: (match, names) => html`<u>${renderInline(match[1], names)}</u>` },
  { pattern: /~~(.+?)~~/, render: (match, names) => html`<s>${renderInline(match[1], names)}</s>` },
  { pattern: /\*(?!\s)(.+?)\*|(?<!\w)_(?!\s)(.+?)_(?!\w)/, render: (match, names) => html`<em>${renderInline(match[1] ?? match[2], names)}</em>` },
  { pattern: /<@!?(\d+)>/, render: (match, names) => html`<span class="mention">@${names.user(match[1])}</span>` },
  { pattern: /<@&(\d+)>/, render: (match, names) => html`<span class="mention">@${names.role(match[1])}</span>` },
  {
    pattern: /<#(\d+)>/,
    render: (match, names) => html`<a class="mention" href="#" onClick=${(event) => (event.preventDefault(), names.openChannel(match[1]))}>#${names.channel(match[1])}</a>`,
  },
  { pattern: /<t:(-?\d+)(?::([tTdDfFR]))?>/, render: (match) => html`<${Timestamp} seconds=${Number(match[1])} style=${match[2] ?? 'f'} />` },
  { pattern: /\[([^\]]+)\]\(<?(https?:\/\/[^)\s>]+)>?\)/, render: (match) => link(match[2], match[1]) },
  // `<https://…>` is a link whose preview Discord suppresses: the brackets do not show.
  { pattern: /<(https?:\/\/[^\s>]+)>/, render: (match) => link(match[1], match[1]) },
  { pattern: /https?:\/\/[^\s<]+[^\s<>.,:;"')\]]/, render: (match) => link(match[0], match[0]) },
];

/** The earliest inline construct wins; the text around it is rendered the same way. */
export function renderInline(text, names) {
  let earliest = null;
  for (const rule of INLINE) {
    const match = rule.pattern.exec(text);
    if (match && (earliest === null || match.index < earliest.match.index)) earliest = { rule, match };
  }
  if (earliest === null) return [text];
  const { rule, match } = earliest;
  return [text.slice(0, match.index), rule.render(match, names), ...renderInline(text.slice(match.index + match[0].length), names)];
}

function Timestamp({ seconds, style }) {
  const date = new Date(seconds * 1000);
  return html`<time class="timestamp" datetime=${date.toISOString()} title=${date.toLocaleString(undefined, FORMATS.F)}>${formatTimestamp(seconds, style)}</time>`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const RELATIVE_UNITS = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
const FORMATS = {
  t: { timeStyle: 'short' },
  T: { timeStyle: 'medium' },
  d: { dateStyle: 'short' },
  D: { dateStyle: 'long' },
  f: { dateStyle: 'long', timeStyle: 'short' },
  F: { dateStyle: 'full', timeStyle: 'short' },
};

/** `<t:…:style>` as Discord's client shows it, in the viewer's time zone. */
export function formatTimestamp(seconds, style) {
  if (style !== 'R') return new Date(seconds * 1000).toLocaleString(undefined, FORMATS[style]);
  const delta = seconds - Date.now() / 1000;
  const [unit, size] = RELATIVE_UNITS.find(([, unitSeconds]) => Math.abs(delta) >= unitSeconds) ?? ['second', 1];
  return relative.format(Math.round(delta / size), unit);
}
