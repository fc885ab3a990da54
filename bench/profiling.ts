import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of each phase alone (start-up left out), for
 * `npx tsx bench/cpuProfile.ts <dir>/<phase>.cpuprofile`. Without it, phases run unprofiled.
 */
export async function profiled<T>(directory: string | undefined, phase: string, run: () => Promise<T>): Promise<T> {
  if (!directory) return run();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    // 500 µs: fine enough for per-turn work of a few milliseconds, cheap enough not to distort it.
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    const result = await run();
    const { profile } = await session.post('Profiler.stop');
    await mkdir(directory, { recursive: true });
    const file = join(directory, `${phase}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.log(`cpu profile of the ${phase} phase: ${file}`);
    return result;
  } finally {
    session.disconnect();
  }
}
