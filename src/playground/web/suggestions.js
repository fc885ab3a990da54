import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);

/**
 * A list above the composer: the commands matching what follows `/`, or the people matching what
 * follows `@`. The composer owns the keys (↑ ↓ to move, Enter or Tab to pick, Escape to close).
 */
export function Suggestions({ title, items, highlighted, onPick, onHover }) {
  const list = useRef(null);
  useEffect(() => list.current?.querySelector('.highlighted')?.scrollIntoView({ block: 'nearest' }), [highlighted, items.length]);
  return html`
    <div class="suggestions">
      <div class="suggestions-title">${title}</div>
      <ul ref=${list}>
        ${items.length === 0 && html`<li class="muted">Nothing matches</li>`}
        ${items.map(
          (item, index) => html`<li class=${index === highlighted ? 'highlighted' : ''} data-testid=${item.testId} data-name=${item.name}
            onMouseDown=${(event) => (event.preventDefault(), onPick(item))} onMouseEnter=${() => onHover(index)}>
            <b>${item.title}</b> <span class="muted">${item.description}</span>
          </li>`,
        )}
      </ul>
    </div>
  `;
}
