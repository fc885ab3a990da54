import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { OPTION, flattenCommands, optionValues } from './commands.js';

const html = htm.bind(h);
const AUTOCOMPLETE_DELAY_MS = 250;

/**
 * The message box: Enter sends (with `@name` turned into mentions), `/` opens the command picker,
 * and a chosen command becomes a form of its options.
 */
export function Composer({ session, userId, channel, draft, setDraft, replyTo, clearReply, onError }) {
  const [command, setCommand] = useState(null);
  const choices = useMemo(() => flattenCommands(session.commands), [session.commands]);
  const picking = command === null && draft.startsWith('/');
  const filtered = picking ? choices.filter((choice) => choice.label.startsWith(draft.slice(1).trim().toLowerCase())) : [];

  const send = async () => {
    const content = withMentions(draft, session).trim();
    if (content === '') return;
    try {
      await api('POST', '/api/messages', { channelId: channel.id, userId, content, replyTo: replyTo?.id });
      setDraft('');
      clearReply();
    } catch (error) {
      onError(error.message);
    }
  };
  const onKeyDown = (event) => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    event.preventDefault();
    if (picking) {
      if (filtered[0]) setCommand(filtered[0]);
    } else {
      send();
    }
  };

  if (command) {
    return html`<${CommandForm} choice=${command} session=${session} userId=${userId} channel=${channel} onError=${onError}
      onDone=${() => (setCommand(null), setDraft(''))} />`;
  }
  return html`
    <div class="composer-area">
      ${picking &&
      html`<ul class="command-picker">
        ${filtered.length === 0 && html`<li class="muted">No command starts with “${draft.slice(1)}”</li>`}
        ${filtered.map(
          (choice) => html`<li data-testid="command-choice" data-name=${choice.label} onClick=${() => setCommand(choice)}>
            <b>/${choice.label}</b> <span class="muted">${choice.description}</span>
          </li>`,
        )}
      </ul>`}
      ${replyTo && html`<div class="replying">Replying to <b>${replyTo.author.username}</b> <button onClick=${clearReply}>✕</button></div>`}
      <textarea
        data-testid="composer"
        rows="1"
        value=${draft}
        placeholder=${`Message #${channel.name} — mention @Matryoshka to talk to it, or type / for commands`}
        onInput=${(event) => setDraft(event.target.value)}
        onKeyDown=${onKeyDown}
      ></textarea>
    </div>
  `;
}

/** `@Matryoshka` and `@username` as Discord mentions. */
function withMentions(text, session) {
  const people = [{ id: session.bot.id, username: session.bot.username }, ...session.users];
  return people.reduce((result, person) => result.replace(new RegExp(`@${person.username}\\b`, 'gi'), `<@${person.id}>`), text);
}

/** A chosen command: one field per option (choices, autocomplete, people, channels, roles), then Send. */
function CommandForm({ choice, session, userId, channel, onDone, onError }) {
  const [values, setValues] = useState({});
  const [suggestions, setSuggestions] = useState({ option: null, choices: [] });
  const [sending, setSending] = useState(false);
  const timer = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  const request = (extra) => ({ channelId: channel.id, userId, name: choice.name, subcommandGroup: choice.subcommandGroup, subcommand: choice.subcommand, ...extra });

  const setValue = (option, value) => {
    const next = { ...values, [option.name]: value };
    setValues(next);
    if (!option.autocomplete) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      try {
        const { choices } = await api('POST', '/api/autocomplete', request({ options: optionValues(choice, next), focused: option.name }));
        setSuggestions({ option: option.name, choices });
      } catch (error) {
        onError(error.message);
      }
    }, AUTOCOMPLETE_DELAY_MS);
  };
  const submit = async (event) => {
    event.preventDefault();
    setSending(true);
    try {
      await api('POST', '/api/commands', request({ options: optionValues(choice, values) }));
      onDone();
    } catch (error) {
      onError(error.message);
    } finally {
      setSending(false);
    }
  };

  return html`
    <form class="command-form" onSubmit=${submit} onKeyDown=${(event) => event.key === 'Escape' && onDone()}>
      <div class="command-title"><b>/${choice.label}</b> <span class="muted">${choice.description}</span></div>
      ${choice.options.map(
        (option) => html`
          <label class="command-option" data-testid="command-option" data-name=${option.name}>
            <span>${option.name}${option.required ? ' *' : ''} <span class="muted">${option.description}</span></span>
            ${optionInput(option, values[option.name] ?? '', (value) => setValue(option, value), session)}
            ${suggestions.option === option.name &&
            html`<ul class="autocomplete">
              ${suggestions.choices.map(
                (suggestion) => html`<li data-testid="autocomplete-choice" onClick=${() => (setValues({ ...values, [option.name]: String(suggestion.value) }), setSuggestions({ option: null, choices: [] }))}>
                  ${suggestion.name}
                </li>`,
              )}
            </ul>`}
          </label>
        `,
      )}
      <div class="command-actions">
        <button type="submit" class="button primary" data-testid="command-send" disabled=${sending}>Send</button>
        <button type="button" class="button secondary" onClick=${onDone}>Cancel</button>
      </div>
    </form>
  `;
}

function optionInput(option, value, onValue, session) {
  const onInput = (event) => onValue(event.target.value);
  const select = (entries) => html`<select value=${value} onChange=${onInput} required=${option.required}>
    <option value="">—</option>
    ${entries.map(([id, label]) => html`<option value=${id}>${label}</option>`)}
  </select>`;
  if (option.choices?.length) return select(option.choices.map((entry) => [String(entry.value), entry.name]));
  switch (option.type) {
    case OPTION.boolean:
      return select([['true', 'true'], ['false', 'false']]);
    case OPTION.user:
    case OPTION.mentionable:
      return select(session.users.map((user) => [user.id, `@${user.username}`]));
    case OPTION.channel:
      return select([...session.channels.map((channel) => [channel.id, `#${channel.name}`]), ...session.threads.map((thread) => [thread.id, `🧵 ${thread.name}`])]);
    case OPTION.role:
      return select(session.roles.map((role) => [role.id, `@${role.name}`]));
    case OPTION.integer:
    case OPTION.number:
      return html`<input type="number" step=${option.type === OPTION.integer ? 1 : 'any'} min=${option.min_value} max=${option.max_value} value=${value} onInput=${onInput} required=${option.required} />`;
    default:
      return html`<input type="text" minlength=${option.min_length} maxlength=${option.max_length} value=${value} onInput=${onInput} required=${option.required} autocomplete="off" />`;
  }
}
