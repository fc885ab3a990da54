import { h } from 'preact';
import htm from 'htm';

const html = htm.bind(h);

/*
 * Discord's markdown, reduced to what the bot writes: code blocks, quotes, headings, subtext,
 * bold/italic/underline/strike, inline code, links, mentions and timestamps. Text only ever
 * becomes text nodes (never innerHTML), so nothing a model writes can inject markup.
 */

/** Names the page shows for ids in mentions; `openChannel` follows a channel mention. */
export function renderMarkdown(text, names) {
  const blocks = [];
  const fence = /```(\w*)\n?([\s\S]*?)```/g;
  let last = 0;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    if (match.index > last) blocks.push(...renderLines(text.slice(last, match.index), names));
    blocks.push(html`<pre class="code-block"><code data-language=${match[1]}>${match[2]}</code></pre>`);
    last = match.index + match[0].length;
  }
  if (last < text.length) blocks.push(...renderLines(text.slice(last), names));
  return blocks;
}

function renderLines(text, names) {
  return text
    .replace(/^\n+|\n+$/g, '')
    .split('\n')
    .map((line) => {
      const heading = /^(#{1,3}) (.*)$/.exec(line);
      if (heading) return h(`h${heading[1].length + 2}`, { class: 'md-heading' }, renderInline(heading[2], names));
      if (line.startsWith('-# ')) return html`<div class="md-subtext">${renderInline(line.slice(3), names)}</div>`;
      if (line.startsWith('> ')) return html`<blockquote>${renderInline(line.slice(2), names)}</blockquote>`;
      return html`<div class="md-line">${line === '' ? '\u00a0' : renderInline(line, names)}</div>`;
    });
}

const INLINE = [
  { pattern: /`([^`]+)`/, render: (match) => html`<code class="inline-code">${match[1]}</code>` },
  { pattern: /\*\*(.+?)\*\*/, render: (match, names) => html`<strong>${renderInline(match[1], names)}</strong>` },
  { pattern: /__(.+?)__/, render: (match, names) => html`<u>${renderInline(match[1], names)}</u>` },
  { pattern: /~~(.+?)~~/, render: (match, names) => html`<s>${renderInline(match[1], names)}</s>` },
  { pattern: /\*(?!\s)(.+?)\*|(?<![\w])_(?!\s)(.+?)_(?![\w])/, render: (match, names) => html`<em>${renderInline(match[1] ?? match[2], names)}</em>` },
  { pattern: /<@!?(\d+)>/, render: (match, names) => html`<span class="mention">@${names.user(match[1])}</span>` },
  { pattern: /<@&(\d+)>/, render: (match, names) => html`<span class="mention">@${names.role(match[1])}</span>` },
  {
    pattern: /<#(\d+)>/,
    render: (match, names) => html`<a class="mention" href="#" onClick=${(event) => (event.preventDefault(), names.openChannel(match[1]))}>#${names.channel(match[1])}</a>`,
  },
  { pattern: /<t:(-?\d+)(?::([tTdDfFR]))?>/, render: (match) => html`<span class="timestamp">${formatTimestamp(Number(match[1]), match[2] ?? 'f')}</span>` },
  { pattern: /\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/, render: (match) => html`<a href=${match[2]} target="_blank" rel="noreferrer noopener">${match[1]}</a>` },
  { pattern: /https?:\/\/[^\s<]+[^\s<.,:;"')\]]/, render: (match) => html`<a href=${match[0]} target="_blank" rel="noreferrer noopener">${match[0]}</a>` },
];

/** The earliest inline construct wins; the text around it is rendered the same way. */
function renderInline(text, names) {
  let earliest = null;
  for (const rule of INLINE) {
    const match = rule.pattern.exec(text);
    if (match && (earliest === null || match.index < earliest.match.index)) earliest = { rule, match };
  }
  if (earliest === null) return [text];
  const { rule, match } = earliest;
  return [text.slice(0, match.index), rule.render(match, names), ...renderInline(text.slice(match.index + match[0].length), names)];
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
