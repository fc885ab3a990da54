const before = process.memoryUsage();
const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
countTokens('hello world, this is a test');
globalThis.gc?.();
const after = process.memoryUsage();
const mb = (n) => (n / 1048576).toFixed(1);
console.log('rss', mb(before.rss), '->', mb(after.rss), 'heapUsed', mb(before.heapUsed), '->', mb(after.heapUsed), 'ext', mb(after.external), 'ab', mb(after.arrayBuffers));
