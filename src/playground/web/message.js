import { h } from 'preact';
import htm from 'htm';
import { renderMarkdown } from './markdown.js';

const html = htm.bind(h);

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const BUTTON_STYLES = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link', 6: 'premium' };

/** One message as Discord's client shows it: reply line, author, content, embeds, components. */
export function Message({ message, names, onComponent, onReply }) {
  const ephemeral = (message.flags & EPHEMERAL) !== 0;
  const loading = (message.flags & LOADING) !== 0;
  const time = new Date(message.timestamp).toLocaleTimeString(undefined, { timeStyle: 'short' });
  return html`
    <article class="message ${ephemeral ? 'ephemeral' : ''}" data-testid="message" data-message-id=${message.id} data-author=${message.author.username} data-ephemeral=${ephemeral ? 'true' : 'false'}>
      ${message.referenced_message && html`<div class="reply-line">↱ <b>${message.referenced_message.author.username}</b> ${message.referenced_message.content.slice(0, 80)}</div>`}
      ${message.interaction_metadata && html`<div class="reply-line">↳ <b>${message.interaction_metadata.user.username}</b> used a command</div>`}
      <header>
        <span class="author ${message.author.bot ? 'bot' : ''}">${message.author.global_name ?? message.author.username}</span>
        ${message.author.bot && html`<span class="bot-tag">BOT</span>`}
        <time>${time}</time>
        ${message.edited_timestamp && html`<span class="edited">(edited)</span>`}
        <button class="reply-button" title="Reply" onClick=${() => onReply(message)}>↩ Reply</button>
      </header>
      <div class="content" data-testid="message-content">
        ${loading && message.content === '' ? html`<em class="thinking">Matryoshka is thinking…</em>` : renderMarkdown(message.content, names)}
      </div>
      ${(message.embeds ?? []).map((embed) => html`<${Embed} embed=${embed} names=${names} />`)}
      ${(message.components ?? []).map((row) => html`<${ComponentRow} row=${row} message=${message} onComponent=${onComponent} />`)}
      ${ephemeral && html`<div class="ephemeral-note">Only you can see this</div>`}
    </article>
  `;
}

function Embed({ embed, names }) {
  const color = embed.color === undefined ? '#1e1f22' : `#${embed.color.toString(16).padStart(6, '0')}`;
  return html`
    <div class="embed" data-testid="embed" style=${{ borderLeftColor: color }}>
      ${embed.title && html`<div class="embed-title">${embed.title}</div>`}
      ${embed.description && html`<div class="embed-description">${renderMarkdown(embed.description, names)}</div>`}
      ${(embed.fields ?? []).map((field) => html`<div class="embed-field ${field.inline ? 'inline' : ''}"><b>${field.name}</b><div>${renderMarkdown(field.value, names)}</div></div>`)}
      ${embed.footer && html`<div class="embed-footer">${embed.footer.text}</div>`}
    </div>
  `;
}

function ComponentRow({ row, message, onComponent }) {
  if (row.type !== 1) return null;
  return html`
    <div class="component-row">
      ${row.components.map((component) => {
        if (component.type === 2) {
          const style = BUTTON_STYLES[component.style] ?? 'secondary';
          if (component.url) return html`<a class="button ${style}" data-testid="message-button" href=${component.url} target="_blank" rel="noreferrer noopener">${component.label}</a>`;
          return html`<button class="button ${style}" data-testid="message-button" disabled=${component.disabled} onClick=${() => onComponent(message, component.custom_id)}>${component.emoji?.name ?? ''} ${component.label}</button>`;
        }
        if (component.type === 3) {
          return html`
            <select class="select" disabled=${component.disabled} onChange=${(event) => onComponent(message, component.custom_id, [event.target.value])}>
              <option value="">${component.placeholder ?? 'Choose…'}</option>
              ${component.options.map((option) => html`<option value=${option.value}>${option.label}</option>`)}
            </select>
          `;
        }
        return null;
      })}
    </div>
  `;
}
