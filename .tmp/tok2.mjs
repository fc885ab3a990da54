import { readFileSync } from 'node:fs';
const before = process.memoryUsage();
const { GptEncoding } = await import('gpt-tokenizer/GptEncoding');
const text = readFileSync('node_modules/gpt-tokenizer/data/o200k_base.tiktoken', 'utf8');
const decoder = new TextDecoder('utf-8', { fatal: true });
const ranks = [];
for (const line of text.split('\n')) {
  if (!line) continue;
  const [b64, rank] = line.split(' ');
  const bytes = Buffer.from(b64, 'base64');
  let value;
  try { value = decoder.decode(bytes); } catch { value = [...bytes]; }
  ranks[Number(rank)] = value;
}
const api = GptEncoding.getEncodingApi('o200k_base', () => ranks);
const t0 = performance.now();
console.log(api.countTokens('hello world, this is a test'));
globalThis.gc?.();
const after = process.memoryUsage();
const mb = (n) => (n / 1048576).toFixed(1);
console.log('rss', mb(before.rss), '->', mb(after.rss), 'heapUsed', mb(before.heapUsed), '->', mb(after.heapUsed), 'ext', mb(after.external));
