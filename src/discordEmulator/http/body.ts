import type { IncomingMessage } from 'node:http';

/** A file uploaded in a multipart request (`files[n]` parts). */
export interface UploadedFile {
  /** The `n` of `files[n]`; `attachments[].id` in the JSON refers to it. */
  index: number;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** A parsed request body: JSON (from the body or multipart `payload_json`) and any files. */
export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

/** Thrown for bodies that are not valid JSON; answered with 400 50109 like Discord. */
export class InvalidJsonError extends Error {}

/** Reads the raw body of a request. */
export async function readRawBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Parses JSON and multipart/form-data bodies. discord.js sends files as multipart with a
 * `payload_json` part, so message routes must accept both.
 */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) return parseMultipart(raw, contentType);
  try {
    return { json: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    throw new InvalidJsonError('The request body contains invalid JSON.');
  }
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  // Node's fetch Response implements multipart parsing; no dependency needed.
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  let json: unknown;
  const files: UploadedFile[] = [];
  for (const [name, value] of form.entries()) {
    if (name === 'payload_json' && typeof value === 'string') {
      try {
        json = JSON.parse(value);
      } catch {
        throw new InvalidJsonError('The request body contains invalid JSON.');
      }
      continue;
    }
    const fileIndex = /^files\[(\d+)\]$/.exec(name)?.[1] ?? (/^file(\d*)$/.exec(name) ? String(files.length) : undefined);
    if (fileIndex === undefined || typeof value === 'string') continue;
    files.push({
      index: Number(fileIndex),
      filename: value.name || `file${fileIndex}`,
      contentType: value.type || 'application/octet-stream',
      bytes: Buffer.from(await value.arrayBuffer()),
    });
  }
  return { json, files };
}
