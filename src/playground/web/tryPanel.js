import { h } from 'preact';
import htm from 'htm';

const html = htm.bind(h);

/** Ready-made lines for the composer, and a plain word on who answers. */
export function TryPanel({ session, onTip }) {
  const member = session.users.find((user) => !user.owner);
  return html`
    <aside class="try">
      <h3>Try</h3>
      ${session.model.demo &&
      html`<div class="demo-note">
        <b>No model is configured</b>: a scripted <b>demo brain</b> answers, not a real model. It follows the lines below and echoes the rest.
        For a real model stop the bot, set <code>OPENAI_API_KEY</code> (OpenAI) or <code>OPENAI_BASE_URL</code> (an OpenAI-compatible server,
        e.g. <code>http://127.0.0.1:11434/v1</code> for Ollama) in <code>.env</code>, and start it again.
      </div>`}
      ${session.tips.map(
        (tip) => html`<button class="tip" data-testid="tip" title="Put it in the composer" onClick=${() => onTip(tip.text)}>
          <b>${tip.label}</b><code>${tip.text}</code>
        </button>`,
      )}
      ${member && html`<p class="muted">Switch to <b>${member.username}</b>, a plain member, in the header to see what a member may not do.</p>`}
    </aside>
  `;
}
