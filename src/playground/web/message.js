import { h } from 'preact';
import htm from 'htm';
import { renderInline, renderMarkdown } from './markdown.js';
import { namesFor } from './names.js';

const html = htm.bind(h);

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const ACTION_ROW = 1;
const BUTTON = 2;
const STRING_SELECT = 3;
const BUTTON_STYLES = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'danger', 5: 'link', 6: 'premium' };
/** Discord's default avatar colours; a person keeps theirs (picked by id). */
const AVATAR_COLORS = ['#5865f2', '#757e8a', '#3ba55c', '#faa61a', '#ed4245', '#eb459f'];

/**
 * One message as Discord's client shows it: reply or command line, author, content, embeds,
 * components. A `continued` message (same author, moments later) shows no header of its own.
 */
export function Message({ message, names, continued, commandName, onComponent, onReply }) {
  const own = namesFor(names, message);
  const ephemeral = message.ephemeral_for != null || (message.flags & EPHEMERAL) !== 0;
  const loading = (message.flags & LOADING) !== 0 && message.content === '';
  const time = new Date(message.timestamp);
  const author = message.author;
  return html`
    <article class="message ${ephemeral ? 'ephemeral' : ''} ${continued ? 'continued' : ''}" data-testid="message"
      data-message-id=${message.id} data-author=${author.username} data-ephemeral=${ephemeral ? 'true' : 'false'}>
      <${Context} message=${message} names=${own} commandName=${commandName} />
      <div class="message-row">
        <div class="gutter">
          ${continued
            ? html`<time class="hover-time" title=${time.toLocaleString()}>${time.toLocaleTimeString(undefined, { timeStyle: 'short' })}</time>`
            : html`<${Avatar} user=${author} />`}
        </div>
        <div class="message-body">
          ${!continued &&
          html`<header>
            <span class="author ${author.bot ? 'bot' : ''}">${author.bot ? author.username : (author.global_name ?? author.username)}</span>
            ${author.bot && html`<span class="bot-tag">BOT</span>`}
            <time title=${time.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' })}>${when(time)}</time>
          </header>`}
          <div class="content-wrap">
            <div class="content" data-testid="message-content">
              ${loading ? html`<span class="thinking">${author.username} is thinking…</span>` : renderMarkdown(message.content, own)}
            </div>
            ${message.edited_timestamp && html`<span class="edited" title=${new Date(message.edited_timestamp).toLocaleString()}> (edited)</span>`}
          </div>
          ${(message.embeds ?? []).map((embed) => html`<${Embed} embed=${embed} names=${own} />`)}
          ${(message.components ?? []).map((row) => html`<${ComponentRow} row=${row} message=${message} onComponent=${onComponent} />`)}
          ${ephemeral && html`<div class="ephemeral-note">👁 Only you can see this</div>`}
        </div>
        <div class="message-actions">
          <button title="Reply" onClick=${() => onReply(message)}>↩ Reply</button>
        </div>
      </div>
    </article>
  `;
}

/** "Today at 15:04", "Yesterday at 09:12" or the date, as Discord's client labels a message. */
function when(time) {
  const clock = time.toLocaleTimeString(undefined, { timeStyle: 'short' });
  const days = Math.round((startOfDay(new Date()) - startOfDay(time)) / 86_400_000);
  if (days === 0) return `Today at ${clock}`;
  if (days === 1) return `Yesterday at ${clock}`;
  return `${time.toLocaleDateString(undefined, { dateStyle: 'short' })} ${clock}`;
}
const startOfDay = (date) => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();

/** The line above a reply (what it answers) or an interaction response (who ran what). */
function Context({ message, names, commandName }) {
  if (message.interaction_metadata) {
    const user = message.interaction_metadata.user;
    return html`<div class="context-line"><span class="context-spine" /><${Avatar} user=${user} small />
      <b>${user.global_name ?? user.username}</b> used <span class="command-name">${commandName ? `/${commandName}` : 'a command'}</span></div>`;
  }
  // Type 0 is a reply; forwards (type 1) carry a snapshot, not a reply line.
  if (!message.message_reference || (message.message_reference.type ?? 0) !== 0) return null;
  const referenced = message.referenced_message;
  if (!referenced) return html`<div class="context-line"><span class="context-spine" /><i class="muted">Original message was deleted</i></div>`;
  const firstLine = referenced.content.split('\n')[0] || (referenced.embeds?.length ? 'Click to see attachment' : '');
  return html`<div class="context-line"><span class="context-spine" /><${Avatar} user=${referenced.author} small />
    <b>@${referenced.author.username}</b> <span class="context-text">${renderInline(firstLine, namesFor(names, referenced))}</span></div>`;
}

function Avatar({ user, small }) {
  const color = user.bot ? AVATAR_COLORS[0] : AVATAR_COLORS[Number(BigInt(user.id) % BigInt(AVATAR_COLORS.length))];
  return html`<span class="avatar ${small ? 'small' : ''}" style=${{ background: color }} aria-hidden="true">${user.bot ? '🪆' : (user.global_name ?? user.username).slice(0, 1).toUpperCase()}</span>`;
}

function Embed({ embed, names }) {
  const color = embed.color === undefined || embed.color === null ? '#1e1f22' : `#${embed.color.toString(16).padStart(6, '0')}`;
  return html`
    <div class="embed" data-testid="embed" style=${{ borderLeftColor: color }}>
      ${embed.author && html`<div class="embed-author">${embed.author.name}</div>`}
      ${embed.title && html`<div class="embed-title">${embed.url ? html`<a href=${embed.url} target="_blank" rel="noreferrer noopener">${embed.title}</a>` : embed.title}</div>`}
      ${embed.description && html`<div class="embed-description">${renderMarkdown(embed.description, names)}</div>`}
      ${embed.fields?.length > 0 &&
      html`<div class="embed-fields">
        ${embed.fields.map((field) => html`<div class="embed-field ${field.inline ? 'inline' : ''}"><div class="embed-field-name">${renderInline(field.name, names)}</div><div>${renderMarkdown(field.value, names)}</div></div>`)}
      </div>`}
      ${(embed.footer || embed.timestamp) &&
      html`<div class="embed-footer">${[embed.footer?.text, embed.timestamp && new Date(embed.timestamp).toLocaleString()].filter(Boolean).join(' • ')}</div>`}
    </div>
  `;
}

function ComponentRow({ row, message, onComponent }) {
  if (row.type !== ACTION_ROW) return null;
  return html`
    <div class="component-row">
      ${row.components.map((component) => {
        if (component.type === BUTTON) return html`<${Button} component=${component} message=${message} onComponent=${onComponent} />`;
        if (component.type === STRING_SELECT) return html`<${Select} component=${component} message=${message} onComponent=${onComponent} />`;
        return null;
      })}
    </div>
  `;
}

function Button({ component, message, onComponent }) {
  const style = BUTTON_STYLES[component.style] ?? 'secondary';
  const label = [component.emoji?.name, component.label].filter(Boolean).join(' ');
  if (component.url) {
    return html`<a class="button ${style}" data-testid="message-button" href=${component.url} target="_blank" rel="noreferrer noopener">${label} ↗</a>`;
  }
  return html`<button class="button ${style}" data-testid="message-button" disabled=${component.disabled} onClick=${() => onComponent(message, component.custom_id)}>${label}</button>`;
}

/** A string select; a multiple one (max_values > 1) sends what is ticked when it loses focus. */
function Select({ component, message, onComponent }) {
  const multiple = (component.max_values ?? 1) > 1;
  const send = (event) => {
    const values = [...event.target.selectedOptions].map((option) => option.value).filter((value) => value !== '');
    if (values.length > 0) onComponent(message, component.custom_id, values);
  };
  return html`
    <select class="select" data-testid="message-select" multiple=${multiple} disabled=${component.disabled}
      onChange=${multiple ? undefined : send} onBlur=${multiple ? send : undefined}>
      ${!multiple && html`<option value="">${component.placeholder ?? 'Make a selection'}</option>`}
      ${component.options.map((option) => html`<option value=${option.value} title=${option.description ?? ''}>${[option.emoji?.name, option.label].filter(Boolean).join(' ')}</option>`)}
    </select>
  `;
}
