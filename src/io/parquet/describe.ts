import type { ColumnMetaData, FileMetaData } from 'hyparquet';
import { IoError } from '../errors.ts';
import type { BranchInfo } from '../source.ts';
import type { FileReader } from './file-reader.ts';
import { readFooter } from './footer.ts';
import { counterNameOf, parquetLayout, type LeafColumn, type UnsupportedColumn } from './schema.ts';
import { adoptDescription, discardDescription, publishDescription } from './shared-descriptions.ts';

/** A NanoAOD counter (`nMuon`) that the file lacks, computed from a list column's offsets. */
export interface SyntheticCounter {
  readonly name: string;
  readonly from: LeafColumn;
}

/**
 * Where a column chunk lies and what decoding it needs: all that is kept of its metadata (the
 * rest, statistics above all, made a cached 1,500-column NanoAOD description weigh 1.6 MiB).
 */
export interface ChunkLocation extends Pick<ColumnMetaData, 'codec' | 'num_values'> {
  /** First byte: the dictionary page, else the first data page. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
}

/** One row group: its entry range and its column chunks by `path_in_schema` key. */
export interface RowGroupSpan {
  readonly start: number;
  readonly stop: number;
  readonly chunks: ReadonlyMap<string, ChunkLocation>;
}

/** Everything a reader needs of a Parquet file's footer, parsed once. */
export interface ParquetDescription {
  readonly uuid: string;
  readonly entries: number;
  readonly branches: readonly BranchInfo[];
  readonly clusters: readonly number[];
  readonly leaves: ReadonlyMap<string, LeafColumn>;
  readonly unsupported: ReadonlyMap<string, UnsupportedColumn>;
  readonly counters: ReadonlyMap<string, SyntheticCounter>;
  readonly groups: readonly RowGroupSpan[];
}

/** Lays out a parsed footer: ROOT-style branches, synthetic counters, row-group spans. */
export function describeMetadata(path: string, metadata: FileMetaData, uuid: string): ParquetDescription {
  const entries = Number(metadata.num_rows);
  const { leaves, unsupported } = parquetLayout(metadata);
  const counters = new Map<string, SyntheticCounter>();
  const branches: BranchInfo[] = [];
  for (const leaf of leaves.values()) {
    if (leaf.maxRep === 0) {
      branches.push({ name: leaf.name, kind: leaf.kind, jagged: false });
      continue;
    }
    const counter = counterNameOf(leaf.name);
    if (counter !== undefined && !leaves.has(counter) && !counters.has(counter)) {
      counters.set(counter, { name: counter, from: leaf });
      branches.push({ name: counter, kind: 'uint32', jagged: false });
    }
    branches.push(counter === undefined ? { name: leaf.name, kind: leaf.kind, jagged: true } : {
      name: leaf.name,
      kind: leaf.kind,
      jagged: true,
      counter,
    });
  }
  const groups: RowGroupSpan[] = [];
  const clusters = [0];
  let at = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    const chunks = new Map<string, ChunkLocation>();
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (meta === undefined) continue;
      let start = Number(meta.data_page_offset);
      const dictionary = meta.dictionary_page_offset === undefined ? 0 : Number(meta.dictionary_page_offset);
      if (dictionary > 0 && dictionary < start) start = dictionary;
      const end = start + Number(meta.total_compressed_size);
      chunks.set(meta.path_in_schema.join('.'), { codec: meta.codec, num_values: meta.num_values, start, end });
    }
    groups.push({ start: at, stop: at + rows, chunks });
    at += rows;
    if (rows > 0) clusters.push(at);
  }
  if (at !== entries) {
    throw new IoError('E_IO_MALFORMED', `Expected the row groups of ${path} to add up to ${entries} rows, got ${at}`, { path });
  }
  return { uuid, entries, branches, clusters, leaves, unsupported, counters, groups };
}

// At most ~0.6 MiB each (measured: a NanoAOD file of 1,500 columns and one row group), so ~40 MiB.
const CAPACITY = 64;
const cache = new Map<string, ParquetDescription>();

/**
 * The description of an open file: from a cache keyed by file identity (path, device, inode,
 * size, mtime), else by reading and parsing its footer. A dataset opens a file once per chunk;
 * parsing a NanoAOD footer of 1,500 columns costs 50–200 ms (measured), the cache makes
 * reopening free. In a worker thread, a file another worker of the process parsed is adopted
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
