import type { APIAttachment, RESTAPIAttachment } from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import type { UploadedFile } from '../http/body.js';

/** An attachment supplied by a simulated user: text or base64 bytes. */
export interface AttachmentSource {
  filename: string;
  /** MIME type, e.g. `text/plain` or `image/png`. */
  contentType: string;
  text?: string;
  base64?: string;
  description?: string;
}

/** Stores bytes and returns the attachment object, whose `url` serves them from the emulator's CDN. */
export function storeAttachment(
  context: EmulatorContext,
  channelId: string,
  file: { filename: string; contentType: string; bytes: Buffer; description?: string },
): APIAttachment {
  const id = context.state.ids.next();
  context.state.attachments.set(id, { id, channelId, filename: file.filename, contentType: file.contentType, bytes: file.bytes });
  const url = `${context.urls.cdn}/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`;
  const attachment: APIAttachment = {
    id,
    filename: file.filename,
    size: file.bytes.length,
    url,
    proxy_url: url,
    content_type: file.contentType,
  };
  if (file.description !== undefined) attachment.description = file.description;
  return attachment;
}

/** Decodes a user-supplied attachment source into bytes. */
export function attachmentBytes(source: AttachmentSource): Buffer {
  if (source.base64 !== undefined) return Buffer.from(source.base64, 'base64');
  return Buffer.from(source.text ?? '', 'utf8');
}

/**
 * Resolves the attachments of a create or edit: uploads (`files[n]`, described by
 * `attachments[{id: n}]`) are stored; on edits, existing attachments listed by id are kept and the
 * rest dropped (API v10 semantics). Without an `attachments` list an edit keeps what it had.
 */
export function resolveAttachments(
  context: EmulatorContext,
  channelId: string,
  described: RESTAPIAttachment[] | null | undefined,
  files: readonly UploadedFile[],
  existing: readonly APIAttachment[],
): APIAttachment[] {
  const kept =
    described === undefined ? [...existing] : existing.filter((attachment) => (described ?? []).some((entry) => String(entry.id) === attachment.id));
  const uploaded = files.map((file) => {
    const description = (described ?? []).find((entry) => String(entry.id) === String(file.index));
    return storeAttachment(context, channelId, {
      filename: description?.filename ?? file.filename,
      contentType: file.contentType,
      bytes: file.bytes,
      description: description?.description,
    });
  });
  return [...kept, ...uploaded];
}
