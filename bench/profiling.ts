import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';

/** Something that can profile itself between two calls: this process, or the bot's (stack.ts). */
export interface Profilable {
  startProfile(): Promise<(file: string) => Promise<void>>;
}

/**
 * BENCH_CPU_PROFILE=<dir>: V8 CPU profiles of each phase alone (start-up left out), one of the
 * bot's process (`<phase>.cpuprofile`) and one of the bench's (`<phase>.harness.cpuprofile`:
 * the emulator and the fake model), for `npx tsx bench/cpuProfile.ts <file>`. Without it,
 * phases run unprofiled.
 */
export async function profiled<T>(directory: string | undefined, phase: string, bot: Profilable, run: () => Promise<T>): Promise<T> {
  if (!directory) return run();
  const [stopBot, stopHarness] = await Promise.all([bot.startProfile(), startProfile()]);
  const result = await run();
  const files = { bot: join(directory, `${phase}.cpuprofile`), harness: join(directory, `${phase}.harness.cpuprofile`) };
  await Promise.all([stopBot(files.bot), stopHarness(files.harness)]);
  console.log(`cpu profiles of the ${phase} phase: ${files.bot} (bot), ${files.harness} (emulator and fake model)`);
  return result;
}

/** Starts profiling this process; the returned function stops and writes the profile. */
export async function startProfile(): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 500 µs: fine enough for per-turn work of a few milliseconds, cheap enough not to distort it.
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async (file) => {
    try {
      const { profile } = await session.post('Profiler.stop');
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(profile));
    } finally {
      session.disconnect();
    }
  };
}
