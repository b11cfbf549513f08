import { createHash } from 'node:crypto';
import { basename, extname, join } from 'node:path';

/** Where a chunk's skim goes and what identifies it. */
export interface SkimChunk {
  readonly dataset: string;
  /** The source file's path (or URL) and tree. */
  readonly path: string;
  readonly treename: string;
  /** Entries `[start, stop)` of the source file. */
  readonly start: number;
  readonly stop: number;
}

/** A name safe on every file system: letters, digits, `._-` kept, anything else `_`. */
export function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe.length === 0 ? '_' : safe.slice(0, 120);
}

/**
 * The file a chunk's selection is written to: `out/<dataset>/<stem>-<hash>-<start>-<stop>.parquet`.
 * Deterministic in dataset, file and range, so a retried (or re-run) chunk overwrites its file
 * instead of adding a second copy of its events. The hash of the full path and tree keeps two
 * files with the same name in different folders apart.
 *
 * @example
 * ```ts
 * skimFilePath('skims', { dataset: 'DY', path: '/data/nano_dy.root', treename: 'Events', start: 0, stop: 40 });
 * // 'skims/DY/nano_dy-3f2a9c1e-0-40.parquet'
 * ```
 */
export function skimFilePath(out: string, chunk: SkimChunk): string {
  const stem = safeName(basename(chunk.path, extname(chunk.path)));
  const hash = createHash('sha256').update(`${chunk.path}\u0000${chunk.treename}`).digest('hex').slice(0, 8);
  return join(out, safeName(chunk.dataset), `${stem}-${hash}-${chunk.start}-${chunk.stop}.parquet`);
}
