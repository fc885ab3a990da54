import { h } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import htm from 'htm';
import { MESSAGE_LIMIT } from './api.js';
import { Message } from './message.js';

const html = htm.bind(h);
/** Discord groups a person's messages sent within a few minutes under one header. */
const GROUP_WITHIN_MS = 7 * 60 * 1000;
/** Closer than this to the bottom counts as reading the newest messages. */
const STICK_PX = 80;

/**
 * The open channel's messages, kept scrolled to the newest unless the reader scrolled up. The
 * channel's start shows when all of it is loaded (`loaded`: how many messages it has here).
 */
export function MessageList({ channel, messages, loaded, names, commandNames, onComponent, onReply }) {
  const list = useRef(null);
  const content = useRef(null);
  const stick = useRef(true);
  const keepAtBottom = () => {
    if (stick.current && list.current) list.current.scrollTop = list.current.scrollHeight;
  };
  useLayoutEffect(() => {
    stick.current = true;
  }, [channel?.id]);
  useLayoutEffect(keepAtBottom);
  // Heights also change without a render: a font loading, the composer growing or shrinking.
  useEffect(() => {
    const observer = new ResizeObserver(keepAtBottom);
    observer.observe(list.current);
    observer.observe(content.current);
    return () => observer.disconnect();
  }, []);
  const onScroll = () => {
    const element = list.current;
    stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICK_PX;
  };

  return html`
    <div class="messages" data-testid="message-list" ref=${list} onScroll=${onScroll}>
      <div class="messages-content" ref=${content}>
        ${channel && loaded < MESSAGE_LIMIT && html`<${Welcome} channel=${channel} />`}
        ${messages.map(
          (message, index) => html`<${Message} key=${message.id} message=${message} names=${names} continued=${continues(messages[index - 1], message)}
            commandName=${commandNameOf(message, commandNames)} onComponent=${onComponent} onReply=${onReply} />`,
        )}
      </div>
    </div>
  `;
}

/** Whether `message` goes under the header of the one before it. */
function continues(previous, message) {
  if (!previous || previous.author.id !== message.author.id) return false;
  if (message.interaction_metadata || message.message_reference || previous.interaction_metadata) return false;
  if ((previous.ephemeral_for ?? null) !== (message.ephemeral_for ?? null)) return false;
  return Date.parse(message.timestamp) - Date.parse(previous.timestamp) < GROUP_WITHIN_MS;
}

/**
 * The command an interaction response answers. Discord's deprecated `interaction.name` says it when
 * present; otherwise the page knows the commands it ran itself, and the modals it submitted for them
 * (Discord's `triggering_interaction_metadata` names the command that opened a modal).
 */
function commandNameOf(message, commandNames) {
  if (message.interaction?.name) return message.interaction.name;
  const metadata = message.interaction_metadata;
  if (!metadata) return null;
  return commandNames[metadata.id] ?? commandNames[metadata.triggering_interaction_metadata?.id] ?? null;
}

function Welcome({ channel }) {
  const thread = Boolean(channel.parentId);
  return html`
    <div class="welcome">
      <div class="welcome-icon">${thread ? '🧵' : '#'}</div>
      <h2>${thread ? channel.name : `Welcome to #${channel.name}!`}</h2>
      <p class="muted">${channel.topic ?? (thread ? 'A thread: a helper agent works here, and its result goes back to where it was started.' : `This is the start of the #${channel.name} channel.`)}</p>
    </div>
  `;
}
