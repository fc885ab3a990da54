/**
 * What the footprint bench leaves behind while it runs (bot processes, databases, data folders),
 * each undone when its step ends, whether it succeeded or failed, and all of them on Ctrl-C or
 * SIGTERM (a `finally` does not run on a signal).
 */
type Cleanup = () => unknown;

const pending = new Set<Cleanup>();

/** Registers `cleanup` while `body` runs, then runs it. */
export async function withCleanup<T>(cleanup: Cleanup, body: () => Promise<T>): Promise<T> {
  pending.add(cleanup);
  try {
    return await body();
  } finally {
    pending.delete(cleanup);
    await cleanup();
  }
}

/** Registers `cleanup` until the returned function is called (for a bot, until it exited). */
export function registerCleanup(cleanup: Cleanup): () => void {
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

export function cleanUpOnSignals(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: cleaning up`);
    // Newest first: a bot goes before the database or folder it uses.
    const cleanups = [...pending].reverse();
    pending.clear();
    void cleanups
      .reduce<Promise<unknown>>((previous, cleanup) => previous.then(() => cleanup()).catch(() => {}), Promise.resolve())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
