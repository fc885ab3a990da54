import { h } from 'preact';
import { useState } from 'preact/hooks';
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

/** A modal the bot showed the current user; Submit sends its fields back as Discord's client would. */
export function Modal({ modal, onSubmit, onClose }) {
  const fields = fieldsOf(modal.modal);
  const [values, setValues] = useState(() => Object.fromEntries(fields.map(({ input }) => [input.custom_id, input.type === TEXT_INPUT ? (input.value ?? '') : []])));
  const set = (customId, value) => setValues({ ...values, [customId]: value });
  const submit = (event) => {
    event.preventDefault();
    onSubmit(values);
  };
  return html`
    <div class="modal-backdrop">
      <form class="modal" data-testid="modal" onSubmit=${submit} onKeyDown=${(event) => event.key === 'Escape' && onClose()}>
        <h2>${modal.modal.title}</h2>
        ${fields.map(
          ({ label, description, input }) => html`
            <label class="modal-label">
              <span>${label}${input.required === false ? '' : ' *'}</span>
              ${description && html`<span class="muted">${description}</span>`}
              ${input.type === STRING_SELECT
                ? html`<select data-testid="modal-field" data-custom-id=${input.custom_id} onChange=${(event) => set(input.custom_id, [event.target.value])}>
                    ${input.options.map((option) => html`<option value=${option.value} selected=${option.default}>${option.label}</option>`)}
                  </select>`
                : h(input.style === PARAGRAPH ? 'textarea' : 'input', {
                    'data-testid': 'modal-field',
                    'data-custom-id': input.custom_id,
                    value: values[input.custom_id],
                    placeholder: input.placeholder,
                    required: input.required !== false,
                    minLength: input.min_length,
                    maxLength: input.max_length,
                    rows: input.style === PARAGRAPH ? 5 : undefined,
                    onInput: (event) => set(input.custom_id, event.target.value),
                  })}
            </label>
          `,
        )}
        <div class="command-actions">
          <button type="submit" class="button primary" data-testid="modal-submit">Submit</button>
          <button type="button" class="button secondary" onClick=${onClose}>Cancel</button>
        </div>
      </form>
    </div>
  `;
}
