import { bySnowflake } from './api.js';

/** How long "is typing…" shows after a typing event (Discord's client: about 10 s). */
export const TYPING_SHOWN_MS = 8000;

/**
 * What the page does with each event of the stream (src/playground/README.md, `PageEvent`).
 * `view` is what is open now; the setters are the page's state.
 */
export function applyEvent(event, { view, setMessages, setThreads, setModal, setTyping, setUnread, loadSession }) {
  switch (event.type) {
    case 'message': {
      const { message } = event;
      if (message.channel_id !== view.channelId) {
        if (message.ephemeral_for === null || message.ephemeral_for === view.userId) setUnread((unread) => new Set(unread).add(message.channel_id));
        return;
      }
      // A new message (an edit has its edited_timestamp) from whoever was typing ends their "is typing…", as on Discord.
      if (!message.edited_timestamp) setTyping((typing) => (typing?.userId === message.author.id ? null : typing));
      setMessages((current) => [...current.filter((known) => known.id !== message.id), message].sort(bySnowflake));
      return;
    }
    case 'messageDeleted':
      if (event.channelId === view.channelId) setMessages((current) => current.filter((message) => message.id !== event.messageId));
      return;
    case 'thread':
      setThreads((current) => {
        const known = current.find((thread) => thread.id === event.thread.id);
        const thread = { ...event.thread, helper: event.thread.helper ?? known?.helper ?? null };
        return [...current.filter((other) => other.id !== thread.id), thread].sort(bySnowflake);
      });
      return;
    case 'helper':
      setThreads((current) => current.map((thread) => (thread.id === event.threadId ? { ...thread, helper: event.helper } : thread)));
      return;
    case 'modal':
      if (event.userId === view.userId) setModal(event);
      return;
    case 'typing':
      if (event.channelId === view.channelId && event.userId !== view.userId) setTyping({ userId: event.userId, until: Date.now() + TYPING_SHOWN_MS });
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
