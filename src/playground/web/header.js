import { h } from 'preact';
import htm from 'htm';

const html = htm.bind(h);

/** The bar above the messages: where you are, which model answers, and who you are. */
export function Header({ session, channel, parent, userId, onUser, onAddUser }) {
  return html`
    <header class="topbar">
      <div class="channel-title">
        ${parent && html`<span class="muted"># ${parent.name} ›</span>`}
        <span class="title-icon">${channel?.parentId ? '🧵' : '#'}</span>
        <b>${channel?.name}</b>
        ${channel?.topic && html`<span class="topic">${channel.topic}</span>`}
      </div>
      <span class="model-badge ${session.model.demo ? 'demo' : ''}" data-testid="model-badge"
        title=${session.model.demo ? 'A scripted demo brain answers: set OPENAI_API_KEY or OPENAI_BASE_URL for a real model' : 'The model the agents use'}>
        ${session.model.demo ? 'demo brain — no model configured' : session.model.name}
      </span>
      <label class="you">
        <span class="muted">You are</span>
        <select data-testid="user-switcher" value=${userId} onChange=${(event) => onUser(event.target.value)}>
          ${session.users.map((user) => html`<option value=${user.id}>${user.username}${user.owner ? ' 👑 owner' : ''}</option>`)}
        </select>
      </label>
      <button class="icon-button" data-testid="add-user" title="Add a person" onClick=${onAddUser}>+ Add user</button>
    </header>
  `;
}
