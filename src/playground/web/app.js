import { h, render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { MESSAGE_LIMIT, api, listen } from './api.js';
import { Composer } from './composer.js';
import { applyEvent } from './events.js';
import { Header } from './header.js';
import { MessageList } from './messageList.js';
import { Modal } from './modal.js';
import { namesOf } from './names.js';
import { Sidebar } from './sidebar.js';
import { TryPanel } from './tryPanel.js';

const html = htm.bind(h);
const remembered = (key) => localStorage.getItem(`playground.${key}`);
const remember = (key, value) => localStorage.setItem(`playground.${key}`, value);
/** The commands this browser ran, by interaction id, to say "used /persona set"; the newest few are kept. */
const COMMANDS_KEPT = 200;
const rememberedCommands = () => JSON.parse(remembered('commands') ?? '{}');

function App() {
  const [session, setSession] = useState(null);
  const [threads, setThreads] = useState([]);
  const [userId, setUserId] = useState(remembered('user'));
  const [channelId, setChannelId] = useState(remembered('channel'));
  const [messages, setMessages] = useState([]);
  const [unread, setUnread] = useState(() => new Set());
  const [modal, setModal] = useState(null);
  const [draft, setDraft] = useState('');
  const [replyTo, setReplyTo] = useState(null);
  const [error, setError] = useState(null);
  const [typing, setTyping] = useState(null);
  const [commandNames, setCommandNames] = useState(rememberedCommands);
  const composer = useRef(null);
  const view = useRef({});
  view.current = { userId, channelId };

  const loadSession = useCallback(async () => {
    const next = await api('GET', '/api/session');
    setSession(next);
    setThreads(next.threads);
    // The owner by default, and whoever was chosen last while they still exist.
    if (!next.users.some((user) => user.id === view.current.userId)) setUserId(next.users.find((user) => user.owner)?.id ?? next.users[0]?.id);
    const known = [...next.channels, ...next.threads].some((channel) => channel.id === view.current.channelId);
    if (!known) setChannelId(next.channels.find((channel) => channel.name === 'general')?.id ?? next.channels[0]?.id ?? null);
  }, []);
  const loadMessages = useCallback(async () => {
    const { userId: viewer, channelId: open } = view.current;
    if (!open || !viewer) return;
    const loaded = await api('GET', `/api/channels/${open}/messages?as=${viewer}&limit=${MESSAGE_LIMIT}`);
    // A slow answer for a channel or person no longer shown is dropped.
    if (view.current.channelId === open && view.current.userId === viewer) setMessages(loaded);
  }, []);
  const fail = (failure) => setError(failure.message);

  useEffect(() => {
    loadSession().catch(fail);
  }, []);
  useEffect(() => {
    if (userId) remember('user', userId);
    if (channelId) remember('channel', channelId);
    setMessages([]);
    setTyping(null);
    setReplyTo(null);
    setUnread((current) => {
      const next = new Set(current);
      next.delete(channelId);
      return next;
    });
    loadMessages().catch(fail);
  }, [userId, channelId]);
  useEffect(
    () =>
      listen(
        (event) => applyEvent(event, { view: view.current, setMessages, setThreads, setModal, setTyping, setUnread, loadSession }),
        // After a reconnect: whatever happened meanwhile.
        () => Promise.all([loadSession(), loadMessages()]).catch(fail),
      ),
    [],
  );
  useEffect(() => {
    if (!typing) return undefined;
    const timer = setTimeout(() => setTyping(null), Math.max(0, typing.until - Date.now()));
    return () => clearTimeout(timer);
  }, [typing]);

  const names = useMemo(() => session && namesOf(session, threads, setChannelId), [session, threads]);
  if (!session) return html`<p class="loading">${error ?? 'Loading the playground…'}</p>`;

  const channels = [...session.channels, ...threads];
  const channel = channels.find((candidate) => candidate.id === channelId) ?? session.channels[0];
  const parent = channel?.parentId ? session.channels.find((candidate) => candidate.id === channel.parentId) : null;
  document.title = `${channel?.parentId ? '' : '#'}${channel?.name ?? ''} — Matryoshka playground`;
  const run = (promise) => promise.catch(fail);
  const focusComposer = () => requestAnimationFrame(() => composer.current?.focus());
  const addUser = () => {
    const username = prompt('Username of the new person (lowercase letters, digits, _ and .)');
    if (username) run(api('POST', '/api/users', { username }).then(async (user) => (await loadSession(), setUserId(user.id))));
  };
  const addChannel = () => {
    const name = prompt('Name of the new channel');
    if (name) run(api('POST', '/api/channels', { name }).then(async (created) => (await loadSession(), setChannelId(created.id))));
  };
  const commandRun = (id, label) =>
    setCommandNames((current) => {
      const next = Object.fromEntries([...Object.entries(current), [id, label]].slice(-COMMANDS_KEPT));
      remember('commands', JSON.stringify(next));
      return next;
    });
  const onComponent = (message, customId, values) => run(api('POST', '/api/components', { messageId: message.id, customId, userId, values }));
  const visible = messages.filter((message) => message.ephemeral_for == null || message.ephemeral_for === userId);
  const submitModal = async (fields) => {
    const { id } = await api('POST', '/api/modals', { interactionId: modal.interactionId, customId: modal.modal.custom_id, fields, userId });
    // The modal's answer is the command's answer: it says "used /persona set" too.
    if (commandNames[modal.interactionId]) commandRun(id, commandNames[modal.interactionId]);
    setModal(null);
  };

  return html`
    <div class="layout">
      <${Header} session=${session} channel=${channel} parent=${parent} userId=${userId} onUser=${setUserId} onAddUser=${addUser} />
      <${Sidebar} session=${session} threads=${threads} activeId=${channel?.id} unread=${unread} onOpen=${setChannelId} onAddChannel=${addChannel} />
      <main class="chat">
        <${MessageList} channel=${channel} messages=${visible} loaded=${messages.length} names=${names} commandNames=${commandNames} onComponent=${onComponent}
          onReply=${(message) => (setReplyTo(message), focusComposer())} />
        <div class="below-messages">
          ${error && html`<div class="error" role="alert">${error} <button title="Dismiss" onClick=${() => setError(null)}>✕</button></div>`}
          ${channel &&
          html`<${Composer} session=${session} threads=${threads} userId=${userId} channel=${channel} draft=${draft} setDraft=${setDraft}
            replyTo=${replyTo} clearReply=${() => setReplyTo(null)} onError=${setError} onCommandRun=${commandRun} inputRef=${composer} />`}
          <div class="typing">${typing && html`<span class="typing-dots"><i /><i /><i /></span> <b>${names.user(typing.userId)}</b> is typing…`}</div>
        </div>
      </main>
      <${TryPanel} session=${session} onTip=${(text) => (setDraft(text), focusComposer())} />
      ${modal && html`<${Modal} key=${modal.interactionId} modal=${modal} onClose=${() => setModal(null)} onSubmit=${submitModal} />`}
    </div>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
