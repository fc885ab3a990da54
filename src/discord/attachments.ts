import type { Attachment } from 'discord.js';
import type { AttachmentInfo } from '../agents/types.js';
import { countTextTokens } from '../agents/tokens.js';

/** Text files up to this size are read into the context; larger ones are only named. */
export const TEXT_ATTACHMENT_MAX_BYTES = 100 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|xml|yaml|x-yaml|javascript|typescript|x-sh|toml|csv))/;
const TEXT_EXTENSIONS = /\.(txt|md|markdown|json|ya?ml|toml|csv|tsv|log|xml|html?|css|js|mjs|cjs|ts|tsx|jsx|py|rb|go|rs|java|kt|c|h|cpp|hpp|cs|sh|sql|ini|cfg|conf)$/i;

export interface ReadAttachments {
  /** Text to append to the message: the contents of the text files. */
  inlineText: string;
  attachments: AttachmentInfo[];
}

function kindOf(attachment: Attachment): AttachmentInfo['kind'] {
  const type = attachment.contentType ?? '';
  if (type.startsWith('image/')) return 'image';
  if ((TEXT_TYPES.test(type) || TEXT_EXTENSIONS.test(attachment.name)) && attachment.size <= TEXT_ATTACHMENT_MAX_BYTES) return 'text';
  return 'other';
}

/**
 * Reads text attachments (cut to `maxTokensEach`, with a note saying so) and describes the rest.
 * Image URLs are kept for the current turn only: Discord's CDN links expire.
 */
export async function readAttachments(attachments: Iterable<Attachment>, maxTokensEach: number): Promise<ReadAttachments> {
  const infos: AttachmentInfo[] = [];
  const texts: string[] = [];
  for (const attachment of attachments) {
    const kind = kindOf(attachment);
    const info: AttachmentInfo = { filename: attachment.name, contentType: attachment.contentType, size: attachment.size, kind };
    if (kind === 'image') info.url = attachment.url;
    if (kind === 'text') {
      const response = await fetch(attachment.url);
      if (response.ok) texts.push(`[file ${attachment.name}]\n${clip(await response.text(), maxTokensEach)}`);
      else info.kind = 'other';
    }
    infos.push(info);
  }
  return { inlineText: texts.join('\n\n'), attachments: infos };
}

function clip(text: string, maxTokens: number): string {
  if (countTextTokens(text) <= maxTokens) return text;
  let characters = Math.min(text.length, maxTokens * 4);
  while (characters > 0 && countTextTokens(text.slice(0, characters)) > maxTokens) characters = Math.floor(characters * 0.85);
  return `${text.slice(0, characters)}\n[the file was cut here: it is longer than a quarter of the context]`;
}
