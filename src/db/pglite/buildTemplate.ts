/**
 * `npm run db:pglite-template`: rebuilds the shipped data-directory template (template.ts) with
 * the installed PGlite. Run it after upgrading PGlite, and commit both files.
 */
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions } from './settings.js';
import { TEMPLATE_MANIFEST, TEMPLATE_TARBALL, type TemplateManifest, installedPgliteVersion } from './template.js';

const database = await PGlite.create('memory://', pgliteOptions());
const [row] = (await database.query<{ version: string }>('select version()')).rows;
const tarball = await database.dumpDataDir('gzip');
await database.close();
writeFileSync(TEMPLATE_TARBALL, Buffer.from(await tarball.arrayBuffer()));
const manifest: TemplateManifest = { pglite: installedPgliteVersion(), postgres: row!.version };
writeFileSync(TEMPLATE_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`wrote ${TEMPLATE_TARBALL} (${manifest.pglite}, ${manifest.postgres})\n`);
