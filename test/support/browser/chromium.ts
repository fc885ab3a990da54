import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * A real Chromium for the browser tests. playwright-core brings no browser of its own: the tests
 * drive the system's (Debian's `chromium`, which `.ci/run` installs), or the one CHROMIUM_PATH names.
 */

/** Where Chromium is looked for when CHROMIUM_PATH is unset, in this order. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium binary, or why there is none. A CHROMIUM_PATH that is not executable is not passed over. */
export function findChromium(): { path: string } | { missing: string } {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return executable(configured) ? { path: configured } : { missing: `CHROMIUM_PATH=${configured} is not an executable file` };
  const found = CANDIDATES.find(executable);
  return found ? { path: found } : { missing: `no Chromium at ${CANDIDATES.join(' or ')} (install it, e.g. apt-get install chromium, or set CHROMIUM_PATH)` };
}

const found = findChromium();

/**
 * Why the browser tests are skipped, for the test's name; undefined when they run. Under CI they
 * always run, so that a missing browser fails them (in launchChromium) instead of hiding them.
 */
export const browserSkipReason: string | undefined = 'missing' in found && process.env.CI !== 'true' ? found.missing : undefined;

/** Launches Chromium headless; fails with what is missing when there is no binary. */
export async function launchChromium(): Promise<Browser> {
  if ('missing' in found) throw new Error(`The browser tests need Chromium: ${found.missing}.`);
  return chromium.launch({
    executablePath: found.path,
    headless: true,
    args: [
      // Chromium refuses to sandbox itself as root (a container, CI).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
