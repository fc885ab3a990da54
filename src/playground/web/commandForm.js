import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { OPTION, optionValues } from './commands.js';

const html = htm.bind(h);
const AUTOCOMPLETE_DELAY_MS = 250;
const TEXT_CHANNEL_TYPES = [0, 5];
const THREAD_TYPES = [10, 11, 12];

/**
 * A chosen command: one field per option (choices, autocomplete, people, channels, roles), then
 * Send. `onRun` gets the interaction's id; Escape or Cancel gives up.
 */
export function CommandForm({ choice, session, threads, userId, channel, onRun, onCancel, onError }) {
  const [values, setValues] = useState({});
  // What an option shows when its value came from an autocomplete choice (its name, not its value).
  const [shown, setShown] = useState({});
  const [suggestions, setSuggestions] = useState({ option: null, choices: [] });
  const [sending, setSending] = useState(false);
  const timer = useRef(null);
  const form = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    const first = form.current?.querySelector('input, select, textarea');
    if (first) first.focus();
    else form.current?.querySelector('[data-testid="command-send"]')?.focus();
  }, [choice]);
  const request = (extra) => ({ channelId: channel.id, userId, name: choice.name, subcommandGroup: choice.subcommandGroup, subcommand: choice.subcommand, ...extra });

  /** Asks the bot for suggestions (debounced while typing), as Discord's client does for a focused option. */
  const autocomplete = (option, current, delay) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      try {
        // Discord always sends the focused option, empty or not: the bot answers from its value.
        const typed = optionValues(choice, current);
        const options = { ...typed, [option.name]: typed[option.name] ?? '' };
        const { choices } = await api('POST', '/api/autocomplete', request({ options, focused: option.name }));
        setSuggestions({ option: option.name, choices });
      } catch (error) {
        onError(error.message);
      }
    }, delay);
  };
  const setValue = (option, value) => {
    const next = { ...values, [option.name]: value };
    setValues(next);
    setShown({ ...shown, [option.name]: undefined });
    if (option.autocomplete) autocomplete(option, next, AUTOCOMPLETE_DELAY_MS);
  };
  const pickSuggestion = (option, suggestion) => {
    setValues({ ...values, [option.name]: String(suggestion.value) });
    setShown({ ...shown, [option.name]: suggestion.name });
    setSuggestions({ option: null, choices: [] });
  };
  const submit = async (event) => {
    event.preventDefault();
    setSending(true);
    try {
      const { id } = await api('POST', '/api/commands', request({ options: optionValues(choice, values) }));
      onError(null);
      onRun(id);
    } catch (error) {
      onError(error.message);
    } finally {
      setSending(false);
    }
  };
  const lists = { session, threads };

  return html`
    <form class="command-form" ref=${form} onSubmit=${submit} onKeyDown=${(event) => event.key === 'Escape' && (event.preventDefault(), onCancel())}>
      <div class="command-title"><b>/${choice.label}</b> <span class="muted">${choice.description}</span></div>
      ${choice.options.length === 0 && html`<div class="muted">No options: Send runs it.</div>`}
      ${choice.options.map((option) => {
        const focused = suggestions.option === option.name;
        return html`
          <label class="command-option" data-testid="command-option" data-name=${option.name}>
            <span class="option-name">${option.name}${option.required && html`<span class="required" title="required">*</span>`}
              <span class="muted">${option.description}</span></span>
            ${option.autocomplete
              ? html`<input type="text" value=${shown[option.name] ?? values[option.name] ?? ''} required=${option.required} autocomplete="off"
                  onInput=${(event) => setValue(option, event.target.value)} onFocus=${() => autocomplete(option, values, 0)}
                  onBlur=${() => setSuggestions({ option: null, choices: [] })} />`
              : optionInput(option, values[option.name] ?? '', (value) => setValue(option, value), lists)}
            ${focused &&
            html`<ul class="autocomplete">
              ${suggestions.choices.length === 0 && html`<li class="muted">No suggestions</li>`}
              ${suggestions.choices.map(
                (suggestion) => html`<li data-testid="autocomplete-choice" onMouseDown=${(event) => (event.preventDefault(), pickSuggestion(option, suggestion))}>
                  ${suggestion.name}
                </li>`,
              )}
            </ul>`}
          </label>
        `;
      })}
      <div class="command-actions">
        <button type="submit" class="button primary" data-testid="command-send" disabled=${sending}>Send</button>
        <button type="button" class="button secondary" onClick=${onCancel}>Cancel</button>
        <span class="muted">Esc to cancel</span>
      </div>
    </form>
  `;
}

/** The field of an option that does not autocomplete, by its type. */
function optionInput(option, value, onValue, { session, threads }) {
  const onInput = (event) => onValue(event.target.value);
  const select = (entries) => html`<select value=${value} onChange=${onInput} required=${option.required}>
    <option value="">${option.required ? 'Choose…' : '—'}</option>
    ${entries.map(([id, label]) => html`<option value=${id}>${label}</option>`)}
  </select>`;
  const people = [[session.bot.id, `@${session.bot.username} (bot)`], ...session.users.map((user) => [user.id, `@${user.username}`])];
  const roles = session.roles.map((role) => [role.id, `@${role.name}`]);
  if (option.choices?.length) return select(option.choices.map((entry) => [String(entry.value), entry.name]));
  switch (option.type) {
    case OPTION.boolean:
      return select([
        ['true', 'True'],
        ['false', 'False'],
      ]);
    case OPTION.user:
      return select(people);
    case OPTION.mentionable:
      return select([...people, ...roles]);
    case OPTION.role:
      return select(roles);
    case OPTION.channel:
      return select(channelEntries(option.channel_types, session.channels, threads));
    case OPTION.integer:
    case OPTION.number:
      return html`<input type="number" step=${option.type === OPTION.integer ? 1 : 'any'} min=${option.min_value} max=${option.max_value}
        value=${value} onInput=${onInput} required=${option.required} />`;
    default:
      return html`<input type="text" minlength=${option.min_length} maxlength=${option.max_length} value=${value} onInput=${onInput}
        required=${option.required} autocomplete="off" />`;
  }
}

/** Channels and threads an option may name (`channel_types`, when given, narrows them). */
function channelEntries(types, channels, threads) {
  const allows = (kinds) => !types?.length || kinds.some((kind) => types.includes(kind));
  return [
    ...(allows(TEXT_CHANNEL_TYPES) ? channels.map((channel) => [channel.id, `#${channel.name}`]) : []),
    ...(allows(THREAD_TYPES) ? threads.map((thread) => [thread.id, `🧵 ${thread.name}`]) : []),
  ];
}
