import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The bot's whole process tree as /proc shows it: the process `npm start` runs and every
 * descendant (the child that creates the PGlite database on a first start, tsx's esbuild
 * service), found by parent pid.
 */
export interface TreeSnapshot {
  readonly pids: readonly number[];
  /** Sum of VmRSS over the tree (pages shared between its processes count once per process). */
  readonly rssBytes: number;
  /** VmHWM of the root process: its own peak resident set so far. */
  readonly rootPeakBytes: number;
  /**
   * utime + stime of every live process of the tree, plus cutime + cstime: the CPU of its
   * descendants that have exited and been waited for (the first start's child), which a sum
   * over the live processes alone would lose.
   */
  readonly cpuTicks: number;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export function ticksToMs(ticks: number): number {
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

interface ProcessStat {
  ppid: number;
  cpuTicks: number;
}

/** Every process's parent and CPU, from one pass over /proc. */
function processStats(): Map<number, ProcessStat> {
  const stats = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process ended while /proc was read
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 4 (ppid) and 14–17 (utime, stime, cutime, cstime) of the line are 1 and 11–14 after "pid (comm)".
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    stats.set(Number(entry), { ppid: Number(fields[1]), cpuTicks: utime! + stime! + cutime! + cstime! });
  }
  return stats;
}

function statusKilobytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // ended since the tree was walked
  }
}

/** The tree under `rootPid` now. @throws Error when the root process is gone */
export function processTree(rootPid: number): TreeSnapshot {
  const stats = processStats();
  if (!stats.has(rootPid)) throw new Error(`process ${rootPid} is gone`);
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const pids = [rootPid];
  for (let index = 0; index < pids.length; index++) pids.push(...(children.get(pids[index]!) ?? []));
  return {
    pids,
    rssBytes: pids.reduce((sum, pid) => sum + statusKilobytes(pid, 'VmRSS') * 1024, 0),
    rootPeakBytes: statusKilobytes(rootPid, 'VmHWM') * 1024,
    cpuTicks: pids.reduce((sum, pid) => sum + stats.get(pid)!.cpuTicks, 0),
  };
}

/** Samples the tree's RSS every `everyMs` until stopped: its peak, which one reading at ready misses. */
export function sampleTreePeak(rootPid: number, everyMs: number): () => number {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, processTree(rootPid).rssBytes);
    } catch {
      // the bot exited; its start fails and says why
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}
