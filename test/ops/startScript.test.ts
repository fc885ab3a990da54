import { existsSync, utimesSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ERROR_EXIT_CODE } from '../../src/config.js';
import { NPM_START, ROOT, cleanEnv, run } from './processes.js';

/**
 * `npm start`'s launcher on a checkout of its own (src/, scripts/, package.json; node_modules
 * linked) with no dist/, as a fresh clone has it. The bot stops at its configuration (no token,
 * PLAYGROUND=0), which is enough to show that the compiled entry ran.
 */
describe('npm start\'s launcher', () => {
  let checkout: string;
  beforeAll(async () => {
    checkout = await mkdtemp(join(tmpdir(), 'matryoshka-start-'));
    await Promise.all(['src', 'scripts', 'package.json'].map((entry) => cp(join(ROOT, entry), join(checkout, entry), { recursive: true })));
    await symlink(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  });
  afterAll(() => rm(checkout, { recursive: true, force: true }));

  const start = () => run(NPM_START.command, NPM_START.args, cleanEnv({ PLAYGROUND: '0' }), checkout);

  it('compiles src/ when dist/ is missing or older, and runs the compiled bot', async () => {
    const first = await start();
    expect(first.code).toBe(CONFIG_ERROR_EXIT_CODE);
    expect(first.stderr).toMatch(/^compiled src\/ to dist\/ in \d+ ms$/m);
    expect(first.stderr).toContain('DISCORD_TOKEN is missing');
    expect(existsSync(join(checkout, 'dist/db/pglite/createDataDir.js'))).toBe(true);

    const second = await start();
    expect(second.code).toBe(CONFIG_ERROR_EXIT_CODE);
    expect(second.stderr).not.toContain('compiled src/');

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(checkout, 'src/config.ts'), later, later);
    expect((await start()).stderr).toMatch(/^compiled src\/ to dist\/ in \d+ ms$/m);
  });
});
