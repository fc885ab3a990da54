import { readFileSync } from 'node:fs';
const [file, secondsArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
let t = p.startTime; const times = p.timeDeltas.map((d) => (t += d));
const end = p.endTime, secs = Number(secondsArg), from = end - secs * 1e6;
const gc = new Array(secs).fill(0), busy = new Array(secs).fill(0);
for (let i = 0; i < p.samples.length; i++) {
  if (times[i] < from) continue;
  const name = byId.get(p.samples[i]).callFrame.functionName;
  const dt = (times[i + 1] ?? end) - times[i];
  const b = Math.min(secs - 1, Math.floor((times[i] - from) / 1e6));
  if (name === '(idle)') continue;
  busy[b] += dt / 1000; if (name === '(garbage collector)') gc[b] += dt / 1000;
}
console.log('per second (ms busy / of which gc):');
console.log(busy.map((v, i) => `${v.toFixed(0)}/${gc[i].toFixed(0)}`).join(' '));
