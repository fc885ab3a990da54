import type { PromptContentPart, PromptMessage } from './ports.js';
import { storableText } from './text.js';
import { countMessageTokens } from './tokens.js';
import type { AttachmentInfo, InputKind, NewMessage, StoredMessage } from './types.js';

type Renderable = Pick<StoredMessage, 'role' | 'content' | 'authorName' | 'replyToText' | 'attachments' | 'toolCalls' | 'toolCallId'> & { inputKind?: InputKind };

const REPLY_EXCERPT_MAX = 300;

/**
 * How a stored message reads to the model. User messages carry the speaker's name (several
 * people share a channel) and the text they reply to; the result is deterministic, so the
 * token count stored with the message stays exact.
 */
export function renderMessage(message: Renderable, imageUrls: readonly string[] = []): PromptMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'assistant':
      return message.toolCalls && message.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: message.content || null,
            tool_calls: message.toolCalls.map((call) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.name, arguments: call.arguments },
            })),
          }
        : { role: 'assistant', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
    case 'user': {
      const text = userText(message);
      if (imageUrls.length === 0) return { role: 'user', content: text };
      const parts: PromptContentPart[] = [{ type: 'text', text }];
      for (const url of imageUrls) parts.push({ type: 'image_url', image_url: { url } });
      return { role: 'user', content: parts };
    }
  }
}

function userText(message: Renderable): string {
  // Helper results are written by the runtime, not said by anyone.
  if (message.inputKind === 'results') return message.content;
  const speaker = message.authorName ?? 'someone';
  const reply = message.replyToText
    ? ` (replying to: "${truncate(message.replyToText, REPLY_EXCERPT_MAX)}")`
    : '';
  const named = (message.attachments ?? []).filter((attachment) => attachment.kind !== 'text');
  const attachmentNote = named.length > 0 ? `\n[attached: ${named.map(describeAttachment).join(', ')}]` : '';
  return `${speaker}${reply}: ${message.content}${attachmentNote}`;
}

const UNREADABLE_NOTE: Record<NonNullable<AttachmentInfo['unreadable']>, string> = {
  binary: 'not text, not read',
  too_large: 'too large to read',
  download_failed: 'could not be downloaded',
};

function describeAttachment(attachment: AttachmentInfo): string {
  const note = attachment.unreadable ? `, ${UNREADABLE_NOTE[attachment.unreadable]}` : '';
  return `${attachment.filename} (${attachment.contentType ?? 'unknown type'}, ${attachment.size} bytes${note})`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The token count to store with a new message: its rendering, without images. */
function tokenCountFor(message: Omit<NewMessage, 'tokenCount'>): number {
  return countMessageTokens(
    renderMessage({
      role: message.role,
      content: message.content,
      authorName: message.authorName ?? null,
      replyToText: message.replyToText ?? null,
      attachments: message.attachments ?? null,
      toolCalls: message.toolCalls ?? null,
      toolCallId: message.toolCallId ?? null,
    }),
  );
}

/**
 * A new message, made storable (see storableText: this is where everything a person or a model
 * wrote enters the conversation) and with its token count filled in.
 */
export function withTokenCount(message: Omit<NewMessage, 'tokenCount'>): NewMessage {
  const storable: Omit<NewMessage, 'tokenCount'> = {
    ...message,
    content: storableText(message.content),
    authorName: message.authorName && storableText(message.authorName),
    replyToText: message.replyToText && storableText(message.replyToText),
    attachments: message.attachments?.map((attachment) => ({ ...attachment, filename: storableText(attachment.filename) })),
    toolCalls: message.toolCalls?.map((call) => ({ ...call, name: storableText(call.name), arguments: storableText(call.arguments) })),
  };
  return { ...storable, tokenCount: tokenCountFor(storable) };
}
