import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite opens a directory that another process holds without complaint, and both then corrupt
 * it. A lock file holding the owner's pid makes the second process fail clearly instead; a lock
 * left by a dead process is taken over.
 */
export class DataDirLockedError extends Error {
  constructor(readonly directory: string, readonly ownerPid: number) {
    super(
      `The database directory ${directory} is in use by another Matryoshka process (pid ${ownerPid}). ` +
        'Stop that process, or give this one its own DATA_DIR, or use PostgreSQL (DATABASE_URL) to run several processes.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** The lock's file inside the directory it locks. */
export const LOCK_FILE = 'matryoshka.lock';

/** Whether a process with this pid exists (on this machine). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock; returns the function that releases it. @throws DataDirLockedError */
export function lockDataDir(directory: string): () => void {
  mkdirSync(directory, { recursive: true });
  const lockPath = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const ownerPid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(ownerPid) && ownerPid !== process.pid && isProcessAlive(ownerPid)) {
        throw new DataDirLockedError(directory, ownerPid);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(directory, Number.NaN);
}
