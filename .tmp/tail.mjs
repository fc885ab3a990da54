import { readFileSync } from 'node:fs';
const [file, secondsArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = p.startTime; const times = p.timeDeltas.map((d) => (t += d));
const end = p.endTime, from = end - Number(secondsArg) * 1e6;
const self = new Map(), stacks = new Map(); let total = 0, idle = 0;
for (let i = 0; i < p.samples.length; i++) {
  if (times[i] < from) continue;
  const n = byId.get(p.samples[i]);
  const dt = (times[i + 1] ?? end) - times[i];
  const name = n.callFrame.functionName || '(anon)';
  if (name === '(idle)') { idle += dt; continue; }
  total += dt;
  const key = `${name} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  // top-of-stack path
  let path = []; let id = n.id; while (id !== undefined && path.length < 8) { const f = byId.get(id).callFrame; path.push((f.functionName || '(anon)') + '@' + f.url.split('/').slice(-1)[0]); id = parent.get(id); }
  const pk = path.join(' < ');
  stacks.set(pk, (stacks.get(pk) ?? 0) + dt);
}
const secs = Number(secondsArg);
console.log(`busy ${(total / 1000 / secs).toFixed(2)} ms/s over the last ${secs} s`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log((v / 1000 / secs).toFixed(2), k);
console.log('--- stacks');
for (const [k, v] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log((v / 1000 / secs).toFixed(2), k.slice(0, 300));
