import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger.js';

/** A logger at `info` writing JSON lines into memory, as the bot writes them to stdout. */
export function recordingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('info', destination), text: () => lines.join('\n'), records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
