/** Reading text out of chat messages, whose content may be a string or an array of parts. */

/**
 * The parts of a chat-completions message the demo brain reads. Both the OpenAI SDK's message
 * params and the engine's prompt messages fit it, so one brain serves the fake server and the
 * playground's model.
 */
export interface DemoMessage {
  role: string;
  content?: MessageContent;
  tool_call_id?: string;
  tool_calls?: ReadonlyArray<{ id: string; type: string; function?: { name: string; arguments?: string }; custom?: { name: string; input?: string } }>;
}

type MessageContent = string | null | ReadonlyArray<{ type: string; text?: string }>;

/**
 * The text of a message's content. Arrays of parts (text + image_url …) are reduced to their
 * text parts, concatenated with nothing in between, as the clarifications fix it.
 */
export function contentText(content: MessageContent | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text ?? '';
  return text;
}

/** Text of the last `user` message, or `undefined` when the request has none. */
export function lastUserText(messages: readonly DemoMessage[]): string | undefined {
  for (let position = messages.length - 1; position >= 0; position -= 1) {
    const message = messages[position];
    if (message?.role === 'user') return contentText(message.content);
  }
  return undefined;
}

/** The first `count` characters, counted in code points so an emoji is never cut in half. */
export function firstCharacters(text: string, count: number): string {
  return Array.from(text).slice(0, count).join('');
}
