import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * CPU used during a phase, so that figures can be read against the machine: the bot's process,
 * this one (the emulator and the fake model on one JavaScript thread) and the PostgreSQL server
 * share the same two cores.
 */
export interface ResourceUse {
  seconds: number;
  /** CPU of the bot's process (all threads, GC included), in cores; null where /proc cannot be read. */
  botCores: number | null;
  /** The part of `botCores` spent in the kernel (system calls: socket writes and reads, loopback TCP). */
  botSystemCores: number | null;
  /** Share of the phase the bot's event loop was busy (1 = its JS thread was saturated). */
  botEventLoopBusy: number;
  /** CPU of this process (the emulator, the fake model, the bench), in cores. */
  harnessCores: number;
  harnessEventLoopBusy: number;
  /** CPU of every PostgreSQL process, in cores; null where /proc cannot be read. */
  postgresCores: number | null;
  /**
   * CPU of everything else on the machine (other sessions' tests, services), in cores: when it
   * is not near 0, the figures were taken on a shared machine and are pessimistic.
   */
  otherCores: number | null;
}

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux the project runs on. */
const CLOCK_TICKS = 100;

/** The bot as the meter sees it (BotChild). */
export interface MeteredProcess {
  readonly pid: number;
  measureEventLoop(): () => Promise<number>;
}

export function startMeter(bot: MeteredProcess): () => Promise<ResourceUse> {
  const startedAt = performance.now();
  const loop = performance.eventLoopUtilization();
  const botLoop = bot.measureEventLoop();
  const cpu = process.cpuUsage();
  const botTicks = processTicks(String(bot.pid));
  const botSystem = processTicks(String(bot.pid), undefined, 'system');
  const postgres = postgresTicks();
  const machine = machineBusyTicks();
  return async () => {
    const seconds = (performance.now() - startedAt) / 1000;
    const used = process.cpuUsage(cpu);
    const botTicksNow = processTicks(String(bot.pid));
    const botSystemNow = processTicks(String(bot.pid), undefined, 'system');
    const postgresNow = postgresTicks();
    const machineNow = machineBusyTicks();
    const harnessLoop = performance.eventLoopUtilization(loop).utilization;
    const harnessCores = (used.user + used.system) / 1e6 / seconds;
    const botCores = botTicks !== undefined && botTicksNow !== undefined ? (botTicksNow - botTicks) / CLOCK_TICKS / seconds : null;
    const postgresCores = postgres && postgresNow ? ticksBetween(postgres, postgresNow) / CLOCK_TICKS / seconds : null;
    const machineCores = machine !== null && machineNow !== null ? (machineNow - machine) / CLOCK_TICKS / seconds : null;
    return {
      seconds,
      botCores,
      botSystemCores: botSystem !== undefined && botSystemNow !== undefined ? (botSystemNow - botSystem) / CLOCK_TICKS / seconds : null,
      botEventLoopBusy: await botLoop(),
      harnessCores,
      harnessEventLoopBusy: harnessLoop,
      postgresCores,
      otherCores:
        machineCores === null || postgresCores === null || botCores === null ? null : Math.max(0, machineCores - harnessCores - botCores - postgresCores),
    };
  };
}

export function resourceLine(use: ResourceUse): string {
  const cores = (value: number | null) => (value === null ? 'n/a' : value.toFixed(2));
  const busy = (value: number) => `event loop busy ${(value * 100).toFixed(0)}%`;
  return (
    `cpu: bot process ${cores(use.botCores)} cores (${busy(use.botEventLoopBusy)}), ` +
    `emulator + fake model ${cores(use.harnessCores)} (${busy(use.harnessEventLoopBusy)}), ` +
    `postgres ${cores(use.postgresCores)}, other processes ${cores(use.otherCores)}, of ${availableParallelism()} cores`
  );
}

/** Busy ticks of the whole machine (all but idle and iowait), from /proc/stat. */
function machineBusyTicks(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // user nice system idle iowait irq softirq steal: idle and iowait are skipped.
    const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
    return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  } catch {
    return null;
  }
}

/** utime + stime of every process named postgres, by pid (backends come and go). */
function postgresTicks(): Map<number, number> | null {
  try {
    const ticks = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = processTicks(entry, 'postgres');
      if (stat !== undefined) ticks.set(Number(entry), stat);
    }
    return ticks;
  } catch {
    return null;
  }
}

/** utime + stime of a process (only stime with `which: 'system'`; only if its name is `name`, when given). */
function processTicks(pid: string, name?: string, which: 'all' | 'system' = 'all'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
    const close = stat.lastIndexOf(')');
    if (name !== undefined && stat.slice(stat.indexOf('(') + 1, close) !== name) return undefined;
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14 and 15 of the whole line (utime, stime) are 11 and 12 after "pid (comm)".
    return which === 'system' ? Number(fields[12]) : Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined; // the process ended while the directory was read
  }
}

function ticksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ticks] of after) total += ticks - (before.get(pid) ?? 0);
  return total;
}
