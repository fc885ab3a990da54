import { h, render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api, bySnowflake, listen } from './api.js';
import { Composer } from './composer.js';
import { Message } from './message.js';
import { Modal } from './modal.js';
import { Sidebar } from './sidebar.js';

const html = htm.bind(h);
/** How long "is typing…" shows after a typing event (Discord's client: about 10 s). */
const TYPING_SHOWN_MS = 8000;
const remembered = (key) => localStorage.getItem(`playground.${key}`);
const remember = (key, value) => localStorage.setItem(`playground.${key}`, value);

function App() {
  const [session, setSession] = useState(null);
  const [threads, setThreads] = useState([]);
  const [userId, setUserId] = useState(remembered('user'));
  const [channelId, setChannelId] = useState(remembered('channel'));
  const [messages, setMessages] = useState([]);
  const [modal, setModal] = useState(null);
  const [draft, setDraft] = useState('');
  const [replyTo, setReplyTo] = useState(null);
  const [error, setError] = useState(null);
  const [typingUntil, setTypingUntil] = useState(0);
  const view = useRef({});
  view.current = { userId, channelId };

  const loadSession = useCallback(async () => {
    const next = await api('GET', '/api/session');
    setSession(next);
    setThreads(next.threads);
    if (!next.users.some((user) => user.id === view.current.userId)) setUserId(next.users.find((user) => user.owner)?.id ?? next.users[0]?.id);
    const known = [...next.channels, ...next.threads].some((channel) => channel.id === view.current.channelId);
    if (!known) setChannelId(next.channels[0]?.id ?? null);
  }, []);
  const loadMessages = useCallback(async () => {
    const { userId: viewer, channelId: open } = view.current;
    if (!open || !viewer) return;
    const loaded = await api('GET', `/api/channels/${open}/messages?as=${viewer}`);
    if (view.current.channelId === open) setMessages(loaded);
  }, []);

  useEffect(() => {
    loadSession().catch((failure) => setError(failure.message));
  }, []);
  useEffect(() => {
    if (userId) remember('user', userId);
    if (channelId) remember('channel', channelId);
    setMessages([]);
    loadMessages().catch((failure) => setError(failure.message));
  }, [userId, channelId]);
  useEffect(
    () =>
      listen(
        (event) => onEvent(event, { view: view.current, setMessages, setThreads, setModal, setTypingUntil, loadSession }),
        () => (loadSession(), loadMessages()),
      ),
    [],
  );
  useEffect(() => {
    if (typingUntil === 0) return undefined;
    const timer = setTimeout(() => setTypingUntil(0), Math.max(0, typingUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [typingUntil]);

  if (!session) return html`<p class="loading">${error ?? 'Loading the playground…'}</p>`;
  const channel = [...session.channels, ...threads].find((candidate) => candidate.id === channelId) ?? session.channels[0];
  const names = namesOf(session, threads, setChannelId);
  const run = (promise) => promise.catch((failure) => setError(failure.message));
  const addUser = () => {
    const username = prompt('Username of the new person (lowercase letters, digits, _ and .)');
    if (username) run(api('POST', '/api/users', { username }).then((user) => (loadSession(), setUserId(user.id))));
  };
  const addChannel = () => {
    const name = prompt('Name of the new channel');
    if (name) run(api('POST', '/api/channels', { name }).then((created) => (loadSession(), setChannelId(created.id))));
  };
  const onComponent = (message, customId, values) => run(api('POST', '/api/components', { messageId: message.id, customId, userId, values }));
  const visible = messages.filter((message) => message.ephemeral_for === null || message.ephemeral_for === userId);

  return html`
    <div class="layout">
      <header class="topbar">
        <span class="guild">🪆 ${session.guild.name}</span>
        <span class="channel-title">${channel?.parentId ? '🧵' : '#'} ${channel?.name}</span>
        <span class="model-badge ${session.model.demo ? 'demo' : ''}" data-testid="model-badge">
          ${session.model.demo ? 'demo brain — no model configured' : `model: ${session.model.name}`}
        </span>
        <label class="you">You are
          <select data-testid="user-switcher" value=${userId} onChange=${(event) => setUserId(event.target.value)}>
            ${session.users.map((user) => html`<option value=${user.id}>${user.username}${user.owner ? ' (owner)' : ''}</option>`)}
          </select>
          <button data-testid="add-user" title="Add a person" onClick=${addUser}>＋</button>
        </label>
      </header>
      <${Sidebar} session=${session} threads=${threads} activeId=${channel?.id} onOpen=${setChannelId} onAddChannel=${addChannel} />
      <main class="chat">
        <div class="messages" data-testid="message-list">
          ${visible.map((message) => html`<${Message} key=${message.id} message=${message} names=${names} onComponent=${onComponent} onReply=${setReplyTo} />`)}
        </div>
        ${typingUntil > Date.now() && html`<div class="typing">Matryoshka is typing…</div>`}
        ${error && html`<div class="error" role="alert">${error} <button onClick=${() => setError(null)}>✕</button></div>`}
        ${channel &&
        html`<${Composer} session=${session} userId=${userId} channel=${channel} draft=${draft} setDraft=${setDraft} replyTo=${replyTo}
          clearReply=${() => setReplyTo(null)} onError=${setError} />`}
      </main>
      <${TryPanel} session=${session} onTip=${setDraft} />
      ${modal &&
      html`<${Modal} modal=${modal} onClose=${() => setModal(null)}
        onSubmit=${(fields) => run(api('POST', '/api/modals', { interactionId: modal.interactionId, customId: modal.modal.custom_id, fields, userId }).then(() => setModal(null)))} />`}
    </div>
  `;
}

/** What the page does with each event of the stream. */
function onEvent(event, { view, setMessages, setThreads, setModal, setTypingUntil, loadSession }) {
  switch (event.type) {
    case 'message':
      if (event.message.channel_id !== view.channelId) return;
      setMessages((current) => [...current.filter((message) => message.id !== event.message.id), event.message].sort(bySnowflake));
      return;
    case 'messageDeleted':
      setMessages((current) => current.filter((message) => message.id !== event.messageId));
      return;
    case 'thread':
      setThreads((current) => {
        const known = current.find((thread) => thread.id === event.thread.id);
        return [...current.filter((thread) => thread.id !== event.thread.id), { ...event.thread, helper: event.thread.helper ?? known?.helper ?? null }].sort(bySnowflake);
      });
      return;
    case 'helper':
      setThreads((current) => current.map((thread) => (thread.id === event.threadId ? { ...thread, helper: event.helper } : thread)));
      return;
    case 'modal':
      if (event.userId === view.userId) setModal(event);
      return;
    case 'typing':
      if (event.channelId === view.channelId) setTypingUntil(Date.now() + TYPING_SHOWN_MS);
      return;
    case 'channel':
    case 'channelDeleted':
    case 'session':
      loadSession();
      return;
    default:
      return;
  }
}

/** How mentions name people, roles and channels; a channel mention opens it. */
function namesOf(session, threads, openChannel) {
  const users = new Map([[session.bot.id, session.bot.username], ...session.users.map((user) => [user.id, user.username])]);
  const channels = new Map([...session.channels, ...threads].map((channel) => [channel.id, channel.name]));
  const roles = new Map(session.roles.map((role) => [role.id, role.name]));
  return {
    user: (id) => users.get(id) ?? 'unknown-user',
    channel: (id) => channels.get(id) ?? 'unknown-channel',
    role: (id) => roles.get(id) ?? 'unknown-role',
    openChannel,
  };
}

function TryPanel({ session, onTip }) {
  return html`
    <aside class="try">
      <h3>Try</h3>
      ${session.model.demo &&
      html`<p class="muted">A scripted <b>demo brain</b> answers, not a real model: it follows the commands below and echoes the rest.
        For a real model, set <code>OPENAI_API_KEY</code> (or <code>OPENAI_BASE_URL</code> for a local server) in <code>.env</code> and restart.</p>`}
      ${session.tips.map(
        (tip) => html`<button class="tip" data-testid="tip" onClick=${() => onTip(tip.text)}>
          <b>${tip.label}</b><code>${tip.text}</code>
        </button>`,
      )}
      <p class="muted">Switch to <b>bob</b> (a member without Manage Channels) to see what he may not do.</p>
    </aside>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
