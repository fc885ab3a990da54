import { h } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { CommandForm } from './commandForm.js';
import { flattenCommands, matchCommands } from './commands.js';
import { Suggestions } from './suggestions.js';

const html = htm.bind(h);
const MAX_ROWS = 10;

/**
 * The message box: Enter sends (with `@name` turned into mentions), Shift+Enter starts a new line,
 * `/` at the start opens the command picker and `@` the people picker; a chosen command becomes a
 * form of its options.
 */
export function Composer({ session, threads, userId, channel, draft, setDraft, replyTo, clearReply, onError, onCommandRun, inputRef }) {
  const [command, setCommand] = useState(null);
  const [caret, setCaret] = useState(0);
  const [highlighted, setHighlighted] = useState(0);
  const [dismissed, setDismissed] = useState(null);
  const choices = useMemo(() => flattenCommands(session.commands), [session.commands]);
  const people = [{ id: session.bot.id, username: session.bot.username, globalName: null, bot: true }, ...session.users];
  const suggestion = suggestionFor(draft, caret, choices, people);
  const open = suggestion && dismissed !== draft ? suggestion : null;

  const send = async () => {
    const content = withMentions(draft, people).trim();
    if (content === '') return;
    try {
      await api('POST', '/api/messages', { channelId: channel.id, userId, content, replyTo: replyTo?.id });
      setDraft('');
      clearReply();
      onError(null);
    } catch (error) {
      onError(error.message);
    }
  };
  const pick = (item) => {
    if (item.command) {
      setCommand(item.command);
      return;
    }
    const before = draft.slice(0, caret).replace(/@[\w.]*$/, `@${item.name} `);
    setDraft(before + draft.slice(caret));
    setCaret(before.length);
    requestAnimationFrame(() => inputRef.current?.setSelectionRange(before.length, before.length));
  };
  const onKeyDown = (event) => {
    if (open && open.items.length > 0) {
      const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
      if (step) {
        event.preventDefault();
        setHighlighted((index) => (index + step + open.items.length) % open.items.length);
        return;
      }
      if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
        event.preventDefault();
        pick(open.items[Math.min(highlighted, open.items.length - 1)]);
        return;
      }
    }
    if (event.key === 'Escape') {
      if (open) setDismissed(draft);
      else if (replyTo) clearReply();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      // An unknown command is not sent as text; Escape first sends the line as it is.
      if (open?.items.length === 0 && open.title === 'Commands') onError(`No command matches “${draft}”`);
      else send();
    }
  };
  const onInput = (event) => {
    setDraft(event.target.value);
    setCaret(event.target.selectionStart);
    setHighlighted(0);
  };

  if (command) {
    return html`<${CommandForm} choice=${command} session=${session} threads=${threads} userId=${userId} channel=${channel} onError=${onError}
      onRun=${(id) => (onCommandRun(id, command.label), setCommand(null), setDraft(''))} onCancel=${() => (setCommand(null), setDraft(''))} />`;
  }
  return html`
    <div class="composer-area">
      ${open && html`<${Suggestions} ...${open} highlighted=${highlighted} onPick=${pick} onHover=${setHighlighted} />`}
      ${replyTo &&
      html`<div class="replying">Replying to <b>${replyTo.author.username}</b>
        <button title="Cancel the reply" onClick=${clearReply}>✕</button></div>`}
      <textarea
        ref=${inputRef}
        class=${replyTo ? 'with-reply' : ''}
        data-testid="composer"
        rows=${Math.min(MAX_ROWS, draft.split('\n').length)}
        value=${draft}
        placeholder=${`Message ${channel.parentId ? '' : '#'}${channel.name} — mention @${session.bot.username} to talk to it, or type / for commands`}
        onInput=${onInput}
        onKeyDown=${onKeyDown}
        onKeyUp=${(event) => setCaret(event.target.selectionStart)}
        onClick=${(event) => setCaret(event.target.selectionStart)}
      ></textarea>
    </div>
  `;
}

/** What the picker offers for the draft: commands after a leading `/`, people after an `@` at the caret. */
function suggestionFor(draft, caret, choices, people) {
  if (draft.startsWith('/') && !draft.includes('\n')) {
    return {
      title: 'Commands',
      items: matchCommands(choices, draft.slice(1)).map((choice) => ({
        testId: 'command-choice',
        name: choice.label,
        title: `/${choice.label}`,
        description: choice.description,
        command: choice,
      })),
    };
  }
  const typed = /(?:^|\s)@([\w.]*)$/.exec(draft.slice(0, caret));
  if (!typed) return null;
  const query = typed[1].toLowerCase();
  return {
    title: 'Members',
    items: people
      .filter((person) => person.username.toLowerCase().startsWith(query) || person.globalName?.toLowerCase().startsWith(query))
      .map((person) => ({ testId: 'mention-choice', name: person.username, title: person.globalName ?? person.username, description: person.bot ? 'BOT' : person.username })),
  };
}

/** `@Matryoshka` and `@username` as Discord mentions; longer names first, so `@bob.smith` is not `@bob`. */
function withMentions(text, people) {
  const byLength = [...people].sort((left, right) => right.username.length - left.username.length);
  return byLength.reduce((result, person) => {
    const name = person.username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return result.replace(new RegExp(`(^|[^\\w<])@${name}(?!\\w|\\.\\w)`, 'gi'), `$1<@${person.id}>`);
  }, text);
}
