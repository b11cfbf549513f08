import type { FileReader } from './file-reader.ts';
import { IoError } from '../errors.ts';
import { describeMetadata, type ParquetDescription } from './description.ts';
import { readFooter } from './footer.ts';
import { adoptDescription, discardDescription, publishDescription } from './shared-descriptions.ts';

export { chunkLocation, describeMetadata, type ChunkLocation, type ParquetDescription, type RowGroupSpan, type SyntheticCounter } from './description.ts';

// A NanoAOD file of 1,500 columns and one row group: ~3 KiB of heap (36 objects) and 37 KiB of
// array buffers per file, plus its schema (~0.4 MiB, ~7,500 objects) once for all files that share it.
const CAPACITY = 64;
const cache = new Map<string, ParquetDescription>();

/**
 * The description of an open file: from a cache keyed by file identity (path, device, inode,
 * size, mtime), else by reading and parsing its footer. A dataset opens a file once per chunk;
 * parsing and describing a NanoAOD footer of 1,500 columns costs ~2 ms once the code is compiled
 * (tens of ms in a thread's first files; measured), the cache makes reopening free. In a worker thread, a file another worker of the process parsed is adopted
 * from it (see `shared-descriptions.ts`) rather than parsed again. A file that changes gets a new identity, so a stale description is never used.
 * Least recently used files leave first.
 *
 * @example
 * ```ts
 * const description = await describeFile(await FileReader.open('nano_dy.parquet'));
 * ```
 */
export async function describeFile(file: FileReader): Promise<ParquetDescription> {
  const identity = `${file.path}\0${file.identity}`;
  const hit = cache.get(identity);
  if (hit !== undefined) {
    cache.delete(identity);
    cache.set(identity, hit);
    discardDescription(identity);
    return hit;
  }
  // Another worker thread of this process may have parsed it already (it prepared the file).
  const shared = adoptDescription(identity);
  if (shared !== undefined) {
    remember(identity, shared);
    return shared;
  }
  const { metadata, uuid } = await readFooter(file);
  let description: ParquetDescription;
  try {
    description = describeMetadata(file.path, metadata, uuid);
  } catch (error) {
    if (error instanceof IoError) throw error;
    // A footer that parses but describes an impossible schema (corrupt bytes) fails here.
    const reason = error instanceof Error ? error.message : String(error);
    throw new IoError('E_IO_MALFORMED', `Expected a consistent Parquet schema in ${file.path}, got one that cannot be laid out: ${reason}`, {
      path: file.path,
    }, { cause: error });
  }
  remember(identity, description);
  publishDescription(identity, description);
  return description;
}

function remember(identity: string, description: ParquetDescription): void {
  cache.set(identity, description);
  while (cache.size > CAPACITY) cache.delete(cache.keys().next().value!);
}
