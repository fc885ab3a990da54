import { h } from 'preact';
import htm from 'htm';

const html = htm.bind(h);

const LIFECYCLE_BADGES = { waiting: '⏸️ waiting', done: '✓ done', failed: '✗ failed', cancelled: '⊘ cancelled', timed_out: '⌛ timed out' };

/** A helper's state as the channel list shows it; running and queued are an active helper's run state. */
function helperBadge(helper) {
  if (!helper) return '';
  if (helper.lifecycle === 'active') return helper.runState === 'running' ? '🔄 running' : '⏳ queued';
  return LIFECYCLE_BADGES[helper.lifecycle] ?? helper.lifecycle;
}

/** Channels, each with its threads (helpers' threads showing their live status); unread ones stand out. */
export function Sidebar({ session, threads, activeId, unread, onOpen, onAddChannel }) {
  const channels = [...session.channels].sort((left, right) => left.position - right.position);
  const classes = (id, kind) => [kind, id === activeId && 'active', unread.has(id) && 'unread'].filter(Boolean).join(' ');
  return html`
    <nav class="sidebar">
      <div class="guild-name" title=${session.guild.name}>${session.guild.name}</div>
      <div class="sidebar-title">
        <span>Text channels</span>
        <button data-testid="add-channel" title="Create a channel" onClick=${onAddChannel}>+</button>
      </div>
      ${channels.map(
        (channel) => html`
          <div class=${classes(channel.id, 'channel')} data-testid="channel" data-name=${channel.name} data-active=${channel.id === activeId ? 'true' : 'false'}
            title=${channel.topic ?? ''} onClick=${() => onOpen(channel.id)}>
            <span class="hash">#</span> ${channel.name}
          </div>
          ${threads
            .filter((thread) => thread.parentId === channel.id)
            .map(
              (thread) => html`
                <div class="${classes(thread.id, 'thread')} ${thread.archived ? 'archived' : ''}" data-testid="thread" data-name=${thread.name}
                  data-parent-id=${thread.parentId} data-status=${thread.helper?.lifecycle ?? ''} title=${thread.name} onClick=${() => onOpen(thread.id)}>
                  <span class="thread-name">${thread.name}</span>
                  ${thread.helper && html`<span class="badge ${thread.helper.lifecycle} ${thread.helper.runState}">${helperBadge(thread.helper)}</span>`}
                </div>
              `,
            )}
        `,
      )}
    </nav>
  `;
}
