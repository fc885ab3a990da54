import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const ACTION_ROW = 1;
const STRING_SELECT = 3;
const TEXT_INPUT = 4;
const LABEL = 18;
const PARAGRAPH = 2;

/** The fields of a modal, whether laid out in action rows (legacy) or labels. */
function fieldsOf(modal) {
  return modal.components.flatMap((component) => {
    if (component.type === ACTION_ROW) return component.components.map((input) => ({ label: input.label, description: null, input }));
    if (component.type === LABEL) return [{ label: component.label, description: component.description ?? null, input: component.component }];
    return [];
  });
}

/** A field's starting value: a text input's prefilled text, a select's default options. */
function initialValue(input) {
  if (input.type === TEXT_INPUT) return input.value ?? '';
  return (input.options ?? []).filter((option) => option.default).map((option) => option.value);
}

/**
 * A modal the bot showed the current user. Submit sends its fields back as Discord's client
 * would (`onSubmit` resolves when the bot took them, or rejects with the reason); Escape or
 * Cancel closes it.
 */
export function Modal({ modal, onSubmit, onClose }) {
  const fields = fieldsOf(modal.modal);
  const [values, setValues] = useState(() => Object.fromEntries(fields.map(({ input }) => [input.custom_id, initialValue(input)])));
  const [error, setError] = useState(null);
  const [sending, setSending] = useState(false);
  const form = useRef(null);
  useEffect(() => form.current?.querySelector('input, textarea, select')?.focus(), []);
  const set = (customId, value) => setValues((current) => ({ ...current, [customId]: value }));
  const submit = async (event) => {
    event.preventDefault();
    setSending(true);
    try {
      await onSubmit(values);
    } catch (failure) {
      setError(failure.message);
      setSending(false);
    }
  };

  return html`
    <div class="modal-backdrop" onMouseDown=${(event) => event.target === event.currentTarget && onClose()}>
      <form class="modal" data-testid="modal" ref=${form} onSubmit=${submit} onKeyDown=${(event) => event.key === 'Escape' && onClose()}>
        <div class="modal-header">
          <h2>${modal.modal.title}</h2>
          <button type="button" class="close" title="Close" onClick=${onClose}>✕</button>
        </div>
        ${fields.map(
          ({ label, description, input }) => html`
            <label class="modal-label">
              <span>${label}${input.required !== false && html`<span class="required">*</span>`}</span>
              ${description && html`<span class="muted">${description}</span>`}
              ${input.type === STRING_SELECT ? selectField(input, values, set) : textField(input, values, set)}
            </label>
          `,
        )}
        ${error && html`<div class="error" role="alert">${error}</div>`}
        <div class="modal-actions">
          <button type="button" class="button link-like" onClick=${onClose}>Cancel</button>
          <button type="submit" class="button primary" data-testid="modal-submit" disabled=${sending}>Submit</button>
        </div>
      </form>
    </div>
  `;
}

function textField(input, values, set) {
  const paragraph = input.style === PARAGRAPH;
  return h(paragraph ? 'textarea' : 'input', {
    'data-testid': 'modal-field',
    'data-custom-id': input.custom_id,
    value: values[input.custom_id],
    placeholder: input.placeholder,
    required: input.required !== false,
    minLength: input.min_length,
    maxLength: input.max_length,
    rows: paragraph ? 5 : undefined,
    onInput: (event) => set(input.custom_id, event.target.value),
  });
}

function selectField(input, values, set) {
  const multiple = (input.max_values ?? 1) > 1;
  const chosen = values[input.custom_id];
  return html`
    <select data-testid="modal-field" data-custom-id=${input.custom_id} multiple=${multiple} required=${input.required !== false}
      onChange=${(event) => set(input.custom_id, [...event.target.selectedOptions].map((option) => option.value).filter((value) => value !== ''))}>
      ${!multiple && html`<option value="" selected=${chosen.length === 0}>${input.placeholder ?? 'Make a selection'}</option>`}
      ${input.options.map((option) => html`<option value=${option.value} selected=${chosen.includes(option.value)}>${option.label}</option>`)}
    </select>
  `;
}
