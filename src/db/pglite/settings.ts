import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/**
 * PostgreSQL settings inside PGlite, on top of PGlite's own. Its defaults are a server's:
 * 128 MB of shared buffers and room for 100 connections, all inside the bot's own process, whose
 * WebAssembly memory never shrinks. One connection needs far less; the operating system's file
 * cache (outside the process) still holds what the buffers do not.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  max_connections: '8',
};

/** The options every PGlite of the bot opens with: the first start's child process and the bot alike. */
export function pgliteOptions(): PGliteOptions {
  const settings = Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  return { startParams: [...PGlite.defaultStartParams, ...settings] };
}
