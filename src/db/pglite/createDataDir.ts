/**
 * The child process of a first start (firstStart.ts): creates a PGlite database in the directory
 * it is given, from the shipped template or (`initdb`) from scratch, and exits. Whatever memory
 * that took (initdb's is about 750 MB, and WebAssembly memory is never given back) ends with it.
 */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions } from './settings.js';
import { TEMPLATE_TARBALL } from './template.js';

const [directory, source] = process.argv.slice(2);
if (!directory || (source !== 'template' && source !== 'initdb')) {
  process.stderr.write('usage: createDataDir <directory> template|initdb\n');
  process.exit(2);
}
const loadDataDir = source === 'template' ? new Blob([readFileSync(TEMPLATE_TARBALL)]) : undefined;
const database = await PGlite.create(directory, { ...pgliteOptions(), loadDataDir });
await database.close();
