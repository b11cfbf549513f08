import type { ColumnMetaData, FileMetaData } from 'hyparquet';
import { IoError } from '../errors.ts';
import type { BranchInfo, ColumnKind } from '../source.ts';
import { counterNameOf, leafColumn, parquetLayout, type LeafColumn, type PhysicalType, type UnsupportedColumn } from './schema.ts';

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
  const groups: RowGroupSpan[] = [];
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
      chunks.set(meta.path_in_schema.join('.'), chunkLocation(meta.codec, meta.num_values, start, end));
    }
    groups.push({ start: at, stop: at + rows, chunks });
    at += rows;
  }
  if (at !== entries) {
    throw new IoError('E_IO_MALFORMED', `Expected the row groups of ${path} to add up to ${entries} rows, got ${at}`, { path });
  }
  return assemble(uuid, entries, leaves, unsupported, groups);
}

function chunkLocation(codec: ChunkLocation['codec'], numValues: ChunkLocation['num_values'], start: number, end: number): ChunkLocation {
  return { codec, num_values: numValues, start, end };
}

/** The description of these leaves and row groups: branches, counters and clusters follow from them. */
function assemble(
  uuid: string,
  entries: number,
  leaves: ReadonlyMap<string, LeafColumn>,
  unsupported: ReadonlyMap<string, UnsupportedColumn>,
  groups: readonly RowGroupSpan[],
): ParquetDescription {
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
  const clusters = [0];
  for (const group of groups) if (group.stop > group.start) clusters.push(group.stop);
  return { uuid, entries, branches, clusters, leaves, unsupported, counters, groups };
}

/** The form of {@link packDescription}'s text; a text of another form is refused. */
const PACKED_FORM = 1;
/** Fields per leaf, per unsupported column and per column chunk in the packed text. */
const LEAF_FIELDS = 7;
const CHUNK_FIELDS = 5;

/**
 * A description as compact text, for another thread to {@link unpackDescription}: flat JSON arrays
 * of the leaves and column chunks only (branches, counters and clusters follow from them). A
 * NanoAOD file of 1,500 columns packs into ~0.2 MB that unpacks in ~2 ms of CPU, where the
 * structured clone of the whole object graph (`v8.serialize`) took 0.46 MB and ~9.5 ms to read back.
 *
 * @example
 * ```ts
 * const copy = unpackDescription(packDescription(description)); // deep-equal to description
 * ```
 */
export function packDescription(description: ParquetDescription): string {
  const leaves: Array<string | number> = [];
  for (const leaf of description.leaves.values()) {
    // Most keys equal the name (flat columns): 0 stands for "the name".
    leaves.push(leaf.name, leaf.key === leaf.name ? 0 : leaf.key, leaf.physical, leaf.kind, leaf.maxDef, leaf.maxRep, leaf.elementDef);
  }
  const unsupported: string[] = [];
  for (const column of description.unsupported.values()) unsupported.push(column.name, column.reason);
  const groups = description.groups.map((group) => {
    const chunks: Array<string | number> = [];
    for (const [key, chunk] of group.chunks) {
      const n = chunk.num_values as unknown;
      // bigint (hyparquet's type) travels as decimal digits, a number as itself.
      chunks.push(key, chunk.codec, typeof n === 'bigint' ? n.toString() : (n as number), chunk.start, chunk.end);
    }
    return [group.start, group.stop, chunks];
  });
  return JSON.stringify([PACKED_FORM, description.uuid, description.entries, leaves, unsupported, groups]);
}

/** The description {@link packDescription} packed; throws on text of another form. */
export function unpackDescription(text: string): ParquetDescription {
  const packed = JSON.parse(text) as unknown;
  if (!Array.isArray(packed) || packed[0] !== PACKED_FORM || packed.length !== 6) throw new Error('not a packed Parquet description');
  const [, uuid, entries, flatLeaves, flatUnsupported, flatGroups] = packed as [number, string, number, Array<string | number>, string[], Array<[number, number, Array<string | number>]>];
  const leaves = new Map<string, LeafColumn>();
  for (let i = 0; i < flatLeaves.length; i += LEAF_FIELDS) {
    const name = flatLeaves[i] as string;
    const key = flatLeaves[i + 1]!;
    leaves.set(name, leafColumn(name, key === 0 ? name : (key as string), flatLeaves[i + 2] as PhysicalType, flatLeaves[i + 3] as ColumnKind, flatLeaves[i + 4] as number, flatLeaves[i + 5] as number, flatLeaves[i + 6] as number));
  }
  const unsupported = new Map<string, UnsupportedColumn>();
  for (let i = 0; i < flatUnsupported.length; i += 2) unsupported.set(flatUnsupported[i]!, { name: flatUnsupported[i]!, reason: flatUnsupported[i + 1]! });
  const groups = flatGroups.map(([start, stop, flat]): RowGroupSpan => {
    const chunks = new Map<string, ChunkLocation>();
    for (let i = 0; i < flat.length; i += CHUNK_FIELDS) {
      const n = flat[i + 2]!;
      const numValues = (typeof n === 'string' ? BigInt(n) : n) as ChunkLocation['num_values'];
      chunks.set(flat[i] as string, chunkLocation(flat[i + 1] as ChunkLocation['codec'], numValues, flat[i + 3] as number, flat[i + 4] as number));
    }
    return { start, stop, chunks };
  });
  return assemble(uuid, entries, leaves, unsupported, groups);
}
