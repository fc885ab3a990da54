import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a lease: this host, its current boot, and this process (pid and start time, since a
 * pid is reused). From it a starting process can tell that the holder of a lease on the same
 * host is gone (its pid is no longer running, or now belongs to another program) and take the
 * lease over at once instead of waiting for it to run out.
 */

const SEPARATOR = '/';

/** Linux's boot id; elsewhere there is none and no lease is ever proven dead. */
function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), null when it is not running. */
function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * A lease owner id for an app starting in this process: `host/boot/pid/start/instance`, the
 * instance telling apart two apps in one process (tests run several).
 */
export function processOwnerId(): string {
  const instance = randomBytes(3).toString('hex');
  return [hostname(), bootId() ?? 'unknown-boot', process.pid, startTicks(process.pid) ?? 'unknown-start', instance].join(SEPARATOR);
}

/**
 * Whether `owner` is provably a dead process: same host and boot as this one, and its pid is not
 * running or was started at another time. An owner of another host, or in another format, is
 * never proven dead (its lease runs out instead).
 */
export function isDeadOwnerOnThisHost(owner: string): boolean {
  const parts = owner.split(SEPARATOR);
  if (parts.length !== 5) return false;
  const [host, boot, pidText, start] = parts as [string, string, string, string, string];
  const currentBoot = bootId();
  if (host !== hostname() || currentBoot === null || boot !== currentBoot) return false;
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  // Our own pid with another start time is our predecessor (a container restarted as PID 1).
  return startTicks(pid) !== start;
}
