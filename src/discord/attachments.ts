import type { Attachment } from 'discord.js';
import type { AttachmentFetcher, FetchedText } from '../agents/ports.js';
import type { AttachmentInfo } from '../agents/types.js';

/** Text files up to this size are read into the context; larger ones are only named. */
export const TEXT_ATTACHMENT_MAX_BYTES = 100 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|xml|yaml|x-yaml|javascript|typescript|x-sh|toml|csv))/;
const TEXT_EXTENSIONS = /\.(txt|md|markdown|json|ya?ml|toml|csv|tsv|log|xml|html?|css|js|mjs|cjs|ts|tsx|jsx|py|rb|go|rs|java|kt|c|h|cpp|hpp|cs|sh|sql|ini|cfg|conf)$/i;

function kindOf(attachment: Attachment): AttachmentInfo['kind'] {
  const type = attachment.contentType ?? '';
  if (type.startsWith('image/')) return 'image';
  if ((TEXT_TYPES.test(type) || TEXT_EXTENSIONS.test(attachment.name)) && attachment.size <= TEXT_ATTACHMENT_MAX_BYTES) return 'text';
  return 'other';
}

/**
 * What a message's attachments are, without downloading anything: a text file is read only by
 * the turn that answers its message (most messages are never answered). Image URLs are kept for
 * that turn only: Discord's CDN links expire.
 */
export function describeAttachments(attachments: Iterable<Attachment>): AttachmentInfo[] {
  return [...attachments].map((attachment) => {
    const kind = kindOf(attachment);
    const info: AttachmentInfo = { filename: attachment.name, contentType: attachment.contentType, size: attachment.size, kind };
    if (kind !== 'other') info.url = attachment.url;
    if (kind === 'text') info.pending = true;
    return info;
  });
}

/**
 * Downloads text attachments from Discord's CDN, within a time and a size limit. A file that is
 * not UTF-8 text (NUL bytes, invalid sequences) is binary, whatever its name says.
 */
export class CdnAttachmentFetcher implements AttachmentFetcher {
  constructor(private readonly timeoutMs: number) {}

  async fetchText(url: string, maxBytes: number): Promise<FetchedText> {
    let bytes: Uint8Array | null;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!response.ok || !response.body) return { ok: false, reason: 'download_failed' };
      bytes = await readAtMost(response.body, maxBytes);
    } catch {
      return { ok: false, reason: 'download_failed' };
    }
    if (!bytes) return { ok: false, reason: 'too_large' };
    if (bytes.includes(0)) return { ok: false, reason: 'binary' };
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return { ok: false, reason: 'binary' };
    }
  }
}

/** The body's bytes, or null when it holds more than `maxBytes` (reading stops there). */
async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of body) {
    total += part.byteLength;
    // Leaving the loop cancels the download.
    if (total > maxBytes) return null;
    parts.push(part);
  }
  return Buffer.concat(parts);
}
