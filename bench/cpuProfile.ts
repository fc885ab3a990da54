/**
 * `npx tsx bench/cpuProfile.ts <file.cpuprofile> [top]`: where a bench run's CPU went, split by
 * who spent it — the bot, the Discord emulator, the fake model, the bench itself — and by
 * library, plus the hottest functions. Make the profile with
 * `NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench:turn` (tsx starts a second
 * node process: take the larger file).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Project folders that own code: a sample belongs to the nearest of these on its stack. */
const ROOT = new URL('..', import.meta.url).href;
const OWNERS: ReadonlyArray<[string, string]> = [
  [`${ROOT}src/discordEmulator/`, 'emulator'],
  [`${ROOT}test/support/llm/`, 'fake LLM'],
  [`${ROOT}bench/`, 'bench'],
  [`${ROOT}src/`, 'bot'],
];

function projectOwner(url: string): string | undefined {
  return OWNERS.find(([prefix]) => url.startsWith(prefix))?.[1];
}

/** Libraries only one side uses; the others (ws, node internals) are shared or unknown. */
const LIBRARY_OWNER: Record<string, string> = {
  'discord.js': 'bot',
  '@discordjs': 'bot',
  '@sapphire': 'bot',
  undici: 'bot',
  openai: 'bot',
  postgres: 'bot',
  'drizzle-orm': 'bot',
  pino: 'bot',
  zod: 'bot',
};

function library(url: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  if (url.startsWith('node:') || url === '' || !url.includes('/')) return url.startsWith('node:') ? 'node internals' : 'native/runtime';
  const owner = projectOwner(url);
  return owner ? `(${owner} code)` : 'other';
}

function ownerOf(stack: readonly ProfileNode[]): string {
  // The harness talks to the bot only over sockets, but calls the bot's code directly (the fake
  // LLM counts tokens with src/agents/tokens.ts): any emulator or fake-LLM frame on the stack
  // makes the sample the harness's. Otherwise the nearest project frame decides.
  const owners = stack.map((node) => projectOwner(node.callFrame.url));
  const harness = owners.find((owner) => owner === 'emulator' || owner === 'fake LLM');
  if (harness) return harness;
  const nearest = owners.find((owner) => owner !== undefined);
  if (nearest) return nearest;
  for (const node of stack) {
    const lib = library(node.callFrame.url);
    const scope = lib.startsWith('@') ? lib.split('/')[0]! : lib;
    const owner = LIBRARY_OWNER[lib] ?? LIBRARY_OWNER[scope];
    if (owner) return `${owner} (via ${lib})`;
  }
  const name = stack[0]?.callFrame.functionName ?? '';
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)') return 'runtime (program)';
  return 'unattributed (node internals, ws)';
}

function table(title: string, totals: Map<string, number>, all: number, limit = 20): void {
  console.log(`\n${title}`);
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  for (const [name, micros] of rows) {
    console.log(`  ${((micros / all) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

/** The most frequent stacks (leaf first, `depth` frames) under samples whose leaf is `name`. */
function callers(name: string, samples: Array<{ stack: ProfileNode[]; micros: number }>, depth = 12): void {
  const stacks = new Map<string, number>();
  for (const { stack, micros } of samples) {
    if (stack[0]?.callFrame.functionName !== name) continue;
    const key = stack
      .slice(0, depth)
      .map((node) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(node_modules|src|test|bench)\//, '$1/')}`)
      .join('\n      ← ');
    stacks.set(key, (stacks.get(key) ?? 0) + micros);
  }
  const total = [...stacks.values()].reduce((sum, micros) => sum + micros, 0);
  console.log(`\ncallers of ${name} (${(total / 1000).toFixed(0)} ms)`);
  for (const [stack, micros] of [...stacks.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    console.log(`  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${stack}`);
  }
}

function main(): void {
  const [file, topArg, callersOf] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/cpuProfile.ts <file.cpuprofile> [top] [function name whose callers to show]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): ProfileNode[] => {
    const stack: ProfileNode[] = [];
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) stack.push(byId.get(current)!);
    return stack;
  };
  const owners = new Map<string, number>();
  const libraries = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let busy = 0;
  const samples = profile.samples.map((id, index) => ({ stack: stackOf(id), micros: profile.timeDeltas[index] ?? 0 }));
  samples.forEach(({ stack, micros }) => {
    const leaf = stack[0]!;
    const owner = ownerOf(stack);
    total += micros;
    owners.set(owner, (owners.get(owner) ?? 0) + micros);
    if (owner === 'idle') return;
    busy += micros;
    const lib = library(leaf.callFrame.url);
    libraries.set(lib, (libraries.get(lib) ?? 0) + micros);
    const where = `${leaf.callFrame.functionName || '(anonymous)'} ${leaf.callFrame.url.replace(/^.*\/(node_modules|src|test|bench)\//, '$1/')}:${leaf.callFrame.lineNumber + 1}`;
    functions.set(where, (functions.get(where) ?? 0) + micros);
    // Each project function once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (const node of stack) {
      const frameOwner = projectOwner(node.callFrame.url);
      if (!frameOwner) continue;
      // No line numbers: tsx's transformed modules report line 1 for everything.
      const name = `${frameOwner}: ${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.slice(ROOT.length)}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
    }
  });
  console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
  table('by owner (share of all samples, idle included)', owners, total);
  table('by library of the leaf frame (share of busy samples)', libraries, busy);
  table('hottest functions (self time, share of busy samples)', functions, busy, Number(topArg ?? 25));
  table('project functions, inclusive time (synchronous part: awaited work is not under its caller)', inclusive, busy, Number(topArg ?? 25));
  if (callersOf) callers(callersOf, samples);
}

main();
