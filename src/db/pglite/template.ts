import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A freshly initialised PGlite data directory, shipped as a tarball: initdb inside WebAssembly
 * takes about 4 s and 750 MB, loading the tarball about 1 s. It is what initdb of the locked
 * PGlite version writes, nothing more (the migrations run on it as on any database);
 * test/db/pgliteTemplate.test.ts checks that it still is, and `npm run db:pglite-template`
 * rebuilds it after PGlite is upgraded.
 */
export const TEMPLATE_TARBALL = fileURLToPath(new URL('../../../assets/pglite-datadir.tar.gz', import.meta.url));
export const TEMPLATE_MANIFEST = fileURLToPath(new URL('../../../assets/pglite-datadir.json', import.meta.url));

/** What the tarball was built by. */
export interface TemplateManifest {
  /** The @electric-sql/pglite package version that ran initdb. */
  pglite: string;
  /** `select version()` of that PGlite. */
  postgres: string;
}

/** The installed PGlite package's version. */
export function installedPgliteVersion(): string {
  // Its entry is dist/index.*; the package does not export its package.json.
  const packageJson = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** The shipped manifest, or null when the template is missing or unreadable. */
export function readTemplateManifest(): TemplateManifest | null {
  try {
    const manifest = JSON.parse(readFileSync(TEMPLATE_MANIFEST, 'utf8')) as Partial<TemplateManifest>;
    return typeof manifest.pglite === 'string' && typeof manifest.postgres === 'string' ? { pglite: manifest.pglite, postgres: manifest.postgres } : null;
  } catch {
    return null;
  }
}

/** Why the shipped template cannot be used with the installed PGlite, or null when it can. */
export function templateMismatch(): string | null {
  const manifest = readTemplateManifest();
  if (!manifest) return `no readable template at ${TEMPLATE_MANIFEST}`;
  const installed = installedPgliteVersion();
  return manifest.pglite === installed ? null : `the template was built by PGlite ${manifest.pglite}, but ${installed} is installed (run npm run db:pglite-template)`;
}
