import type { CompressionCodec } from 'hyparquet';
import { IoError } from '../errors.ts';
import type { BranchInfo, ColumnKind } from '../source.ts';
import type { FooterMetadata } from './footer-metadata.ts';
import { counterNameOf, leafColumn, parquetLayout, type LeafColumn, type PhysicalType, type UnsupportedColumn } from './schema.ts';

/** A NanoAOD counter (`nMuon`) that the file lacks, computed from a list column's offsets. */
export interface SyntheticCounter {
  readonly name: string;
  readonly from: LeafColumn;
}

/**
 * Where a column chunk lies and what decoding it needs: all that is kept of its metadata (the
 * rest, statistics above all, made a cached 1,500-column NanoAOD description weigh 1.6 MiB).
 * Built on demand by {@link chunkLocation} from a description's flat arrays.
 */
export interface ChunkLocation {
  readonly codec: CompressionCodec;
  /** Values in the chunk (levels, nulls included): a number, exact below 2^53 (hyparquet's is a bigint). */
  readonly num_values: number;
  /** First byte: the dictionary page, else the first data page. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
}

/** One row group: its entry range (its column chunks: {@link chunkLocation} with its index). */
export interface RowGroupSpan {
  readonly start: number;
  readonly stop: number;
}

/**
 * What a description knows of its file's schema. It is the same for every file of that schema, so
 * the descriptions of such files (a dataset's) share one object graph (see {@link internSchema}).
 */
export interface ParquetSchema {
  readonly branches: readonly BranchInfo[];
  readonly leaves: ReadonlyMap<string, LeafColumn>;
  readonly unsupported: ReadonlyMap<string, UnsupportedColumn>;
  readonly counters: ReadonlyMap<string, SyntheticCounter>;
  /** Column index, in {@link ParquetDescription.chunks}, of each column chunk key (`path_in_schema` joined with `.`). */
  readonly columns: ReadonlyMap<string, number>;
}

/**
 * Everything a reader needs of a Parquet file's footer, parsed once. A reader caches up to 64 per
 * thread, so the per-file part is flat: no object per column chunk (a 1,500-column NanoAOD
 * description held ~10,000 heap objects, 0.6 MiB, before: GC marking work in every worker).
 */
export interface ParquetDescription extends ParquetSchema {
  readonly uuid: string;
  readonly entries: number;
  readonly clusters: readonly number[];
  readonly groups: readonly RowGroupSpan[];
  /**
   * Per column chunk, at `3 * (group * columns.size + column)`: its first byte, its end and its
   * `num_values` (offsets beyond 2^31 and counts up to 2^53 are exact in a Float64Array).
   */
  readonly chunks: Float64Array;
  /** Per column chunk, at `group * columns.size + column`: its codec's index in {@link CODECS}, or {@link NO_CHUNK}. */
  readonly codecs: Uint8Array;
}

/** The codecs seen by this thread, in the order first seen (a handful: hyparquet names eight). */
const CODECS: Array<CompressionCodec | undefined> = [];
/** The code of a column chunk that a row group lacks. */
const NO_CHUNK = 255;

function codecCode(codec: CompressionCodec | undefined): number {
  const known = CODECS.indexOf(codec);
  if (known >= 0) return known;
  if (CODECS.length >= NO_CHUNK) throw new Error(`more than ${NO_CHUNK} distinct codecs`);
  return CODECS.push(codec) - 1;
}

/**
 * Where column chunk `key` of row group `group` (an index into `groups`) lies; undefined when the
 * row group has no chunk of that key.
 *
 * @example
 * ```ts
 * const chunk = chunkLocation(description, 0, leaf.key); // { codec, num_values, start, end }
 * ```
 */
export function chunkLocation(description: ParquetDescription, group: number, key: string): ChunkLocation | undefined {
  const column = description.columns.get(key);
  if (column === undefined) return undefined;
  const at = group * description.columns.size + column;
  const code = description.codecs[at];
  if (code === undefined || code === NO_CHUNK) return undefined;
  const { chunks } = description;
  return { codec: CODECS[code]!, num_values: chunks[3 * at + 2]!, start: chunks[3 * at]!, end: chunks[3 * at + 1]! };
}

/** Lays out a parsed footer: ROOT-style branches, synthetic counters, row-group spans. */
export function describeMetadata(path: string, metadata: FooterMetadata, uuid: string): ParquetDescription {
  const entries = Number(metadata.num_rows);
  const { leaves, unsupported } = parquetLayout(metadata);
  // Every row group's chunk keys, numbered in the order first seen (a file's schema order).
  const { row_groups: rowGroups } = metadata;
  const columns = new Map<string, number>();
  const columnOf: number[] = [];
  for (const group of rowGroups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (chunk.file_path) {
        throw new IoError(
          'E_IO_UNSUPPORTED',
          `Expected the column chunks of ${path} in that file, got ${meta?.path_in_schema.join('.') ?? 'one'} in ${chunk.file_path}: ` +
            `a dataset's _metadata summary, whose data lie in the files it names (open those)`,
          { path },
        );
      }
      if (chunk.encrypted) {
        throw new IoError(
          'E_IO_UNSUPPORTED',
          `Expected unencrypted column chunks in ${path}, got column ${meta?.path_in_schema.join('.') ?? '(unnamed)'} encrypted ` +
            '(Parquet modular encryption): cortado cannot decrypt pages',
          { path },
        );
      }
      let column = -1;
      if (meta !== undefined) {
        const key = meta.path_in_schema.join('.');
        column = columns.get(key) ?? -1;
        if (column < 0) columns.set(key, column = columns.size);
      }
      columnOf.push(column);
    }
  }
  const width = columns.size;
  const chunks = new Float64Array(3 * width * rowGroups.length);
  const codecs = new Uint8Array(width * rowGroups.length).fill(NO_CHUNK);
  const groups: RowGroupSpan[] = [];
  let at = 0;
  let i = 0;
  for (let g = 0; g < rowGroups.length; g++) {
    const group = rowGroups[g]!;
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      const column = columnOf[i++]!;
      if (meta === undefined || column < 0) continue;
      let start = Number(meta.data_page_offset);
      const dictionary = meta.dictionary_page_offset === undefined ? 0 : Number(meta.dictionary_page_offset);
      if (dictionary > 0 && dictionary < start) start = dictionary;
      const slot = g * width + column;
      codecs[slot] = codecCode(meta.codec);
      chunks[3 * slot] = start;
      chunks[3 * slot + 1] = start + Number(meta.total_compressed_size);
      chunks[3 * slot + 2] = Number(meta.num_values);
    }
    const rows = Number(group.num_rows);
    groups.push({ start: at, stop: at + rows });
    at += rows;
  }
  if (at !== entries) {
    throw new IoError('E_IO_MALFORMED', `Expected the row groups of ${path} to add up to ${entries} rows, got ${at}`, { path });
  }
  return assemble(uuid, entries, internSchema(leaves, unsupported, columns), groups, chunks, codecs);
}

/** Schemas by {@link shapeOf} (a few per shape at most), held only while a description uses them. */
const schemas = new Map<string, Array<WeakRef<ParquetSchema>>>();
/** Keeps each schema object alive as long as its leaves (which every description of it holds). */
const schemaOfLeaves = new WeakMap<ReadonlyMap<string, LeafColumn>, ParquetSchema>();
const forgetSchema = new FinalizationRegistry<string>((shape) => {
  const live = schemas.get(shape)?.filter((ref) => ref.deref() !== undefined) ?? [];
  if (live.length > 0) schemas.set(shape, live);
  else schemas.delete(shape);
});

/** A cheap key for schemas that may be equal (equal ones have equal keys; {@link internSchema} compares them field by field). */
function shapeOf(leaves: ReadonlyMap<string, LeafColumn>, unsupported: ReadonlyMap<string, UnsupportedColumn>, columns: ReadonlyMap<string, number>): string {
  let last = '';
  for (const name of leaves.keys()) last = name;
  return `${leaves.size}/${unsupported.size}/${columns.size}/${last}`;
}

/** Whether two sequences hold equal items in the same order (a map's keys or values). */
function sameItems<T>(a: IterableIterator<T>, b: IterableIterator<T>, same: (x: T, y: T) => boolean): boolean {
  for (const x of a) {
    const y = b.next();
    if (y.done === true || !same(x, y.value)) return false;
  }
  return b.next().done === true;
}

const sameLeaf = (a: LeafColumn, b: LeafColumn): boolean => a.name === b.name && a.key === b.key && a.physical === b.physical &&
  a.kind === b.kind && a.maxDef === b.maxDef && a.maxRep === b.maxRep && a.elementDef === b.elementDef;

/**
 * The schema of these leaves and columns: one this thread holds already (another description's,
 * equal field by field), else a new one. A dataset's files share their schema: 64 cached
 * descriptions of NanoAOD files of one schema hold one set of leaves and branches, not 64.
 */
function internSchema(leaves: ReadonlyMap<string, LeafColumn>, unsupported: ReadonlyMap<string, UnsupportedColumn>, columns: ReadonlyMap<string, number>): ParquetSchema {
  const shape = shapeOf(leaves, unsupported, columns);
  const alike = schemas.get(shape) ?? [];
  for (const ref of alike) {
    const held = ref.deref();
    // Leaves and unsupported columns are keyed by their names, columns numbered in order: their
    // values, and the columns' keys, say it all.
    if (held !== undefined && held.leaves.size === leaves.size && held.columns.size === columns.size &&
      sameItems(held.leaves.values(), leaves.values(), sameLeaf) && sameItems(held.columns.keys(), columns.keys(), (x, y) => x === y) &&
      sameItems(held.unsupported.values(), unsupported.values(), (x, y) => x.name === y.name && x.reason === y.reason)) {
      return held;
    }
  }
  const schema = assembleSchema(leaves, unsupported, columns);
  schemas.set(shape, [...alike, new WeakRef(schema)]);
  schemaOfLeaves.set(leaves, schema);
  forgetSchema.register(schema, shape);
  return schema;
}

/** The schema of these leaves and columns: branches and counters follow from the leaves. */
function assembleSchema(
  leaves: ReadonlyMap<string, LeafColumn>,
  unsupported: ReadonlyMap<string, UnsupportedColumn>,
  columns: ReadonlyMap<string, number>,
): ParquetSchema {
  const counters = new Map<string, SyntheticCounter>();
  const branches: BranchInfo[] = [];
  // One string per counter name, not one per list column of the collection.
  const counterNames = new Map<string, string>();
  for (const leaf of leaves.values()) {
    if (leaf.maxRep === 0) {
      branches.push({ name: leaf.name, kind: leaf.kind, jagged: false });
      continue;
    }
    let counter = counterNameOf(leaf.name);
    if (counter !== undefined) {
      const named = counterNames.get(counter);
      if (named === undefined) counterNames.set(counter, counter);
      else counter = named;
    }
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
  return { branches, leaves, unsupported, counters, columns };
}

/** The description of a file of this schema and these row groups (clusters follow from them). */
function assemble(uuid: string, entries: number, schema: ParquetSchema, groups: readonly RowGroupSpan[], chunks: Float64Array, codecs: Uint8Array): ParquetDescription {
  const clusters = [0];
  for (const group of groups) if (group.stop > group.start) clusters.push(group.stop);
  const { branches, leaves, unsupported, counters, columns } = schema;
  return { uuid, entries, branches, clusters, leaves, unsupported, counters, columns, groups, chunks, codecs };
}

/** The form of {@link packDescription}'s text; a text of another form is refused. */
const PACKED_FORM = 2;
/** Fields per leaf in the packed text. */
const LEAF_FIELDS = 7;

/** The schema lines of the schemas this thread packed (by their leaves: one map per schema), written once per schema. */
const schemaLines = new WeakMap<ReadonlyMap<string, LeafColumn>, string>();

/** The schema line of a packed description: the flat leaves, unsupported columns and column keys. */
function schemaLine(description: ParquetDescription): string {
  const { leaves, unsupported, columns } = description;
  const written = schemaLines.get(leaves);
  if (written !== undefined) return written;
  const flatLeaves: Array<string | number> = [];
  for (const leaf of leaves.values()) {
    // Most keys equal the name (flat columns): 0 stands for "the name".
    flatLeaves.push(leaf.name, leaf.key === leaf.name ? 0 : leaf.key, leaf.physical, leaf.kind, leaf.maxDef, leaf.maxRep, leaf.elementDef);
  }
  const flatUnsupported: string[] = [];
  for (const column of unsupported.values()) flatUnsupported.push(column.name, column.reason);
  const line = JSON.stringify([PACKED_FORM, flatLeaves, flatUnsupported, [...columns.keys()]]);
  schemaLines.set(leaves, line);
  return line;
}

/**
 * A description as compact text, for another thread to {@link unpackDescription}: a line of JSON
 * for the schema (flat leaves, unsupported columns, column keys: branches and counters follow from
 * them), then a line for the file (row counts, codecs, the flat chunk locations). A thread that
 * holds the schema already (a file of the same dataset) does not parse the first line again.
 * A NanoAOD file of 1,500 columns packs into ~0.2 MB that unpacks in ~2 ms of CPU, where the
 * structured clone of the whole object graph (`v8.serialize`) took 0.46 MB and ~9.5 ms to read back.
 *
 * @example
 * ```ts
 * const copy = unpackDescription(packDescription(description)); // deep-equal to description
 * ```
 */
export function packDescription(description: ParquetDescription): string {
  const names: Array<CompressionCodec | undefined> = [];
  const codes = Array.from(description.codecs, (code) => {
    if (code === NO_CHUNK) return -1;
    const codec = CODECS[code];
    const local = names.indexOf(codec);
    return local >= 0 ? local : names.push(codec) - 1;
  });
  const rows = description.groups.map((group) => group.stop - group.start);
  const file = JSON.stringify([description.uuid, description.entries, rows, names, codes, Array.from(description.chunks)]);
  return `${schemaLine(description)}\n${file}`;
}

/** The description {@link packDescription} packed; throws on text of another form. */
export function unpackDescription(text: string): ParquetDescription {
  const cut = text.indexOf('\n');
  if (cut < 0) throw new Error('not a packed Parquet description');
  const packed = JSON.parse(text.slice(0, cut)) as unknown;
  if (!Array.isArray(packed) || packed[0] !== PACKED_FORM || packed.length !== 4) throw new Error('not a packed Parquet description');
  const [, flatLeaves, flatUnsupported, keys] = packed as [number, Array<string | number>, string[], string[]];
  const leaves = new Map<string, LeafColumn>();
  for (let i = 0; i < flatLeaves.length; i += LEAF_FIELDS) {
    const name = flatLeaves[i] as string;
    const key = flatLeaves[i + 1]!;
    leaves.set(name, leafColumn(name, key === 0 ? name : (key as string), flatLeaves[i + 2] as PhysicalType, flatLeaves[i + 3] as ColumnKind, flatLeaves[i + 4] as number, flatLeaves[i + 5] as number, flatLeaves[i + 6] as number));
  }
  const unsupported = new Map<string, UnsupportedColumn>();
  for (let i = 0; i < flatUnsupported.length; i += 2) unsupported.set(flatUnsupported[i]!, { name: flatUnsupported[i]!, reason: flatUnsupported[i + 1]! });
  const schema = internSchema(leaves, unsupported, new Map(keys.map((key, column) => [key, column])));
  const file = JSON.parse(text.slice(cut + 1)) as unknown;
  if (!Array.isArray(file) || file.length !== 6) throw new Error('not a packed Parquet description');
  const [uuid, entries, rows, names, codes, locations] = file as [string, number, number[], Array<CompressionCodec | null>, number[], number[]];
  const width = schema.columns.size;
  if (codes.length !== width * rows.length || locations.length !== 3 * codes.length) throw new Error('not a packed Parquet description');
  // JSON writes an unknown codec (undefined) as null.
  const codecs = Uint8Array.from(codes, (code) => (code < 0 ? NO_CHUNK : codecCode(names[code] ?? undefined)));
  const groups: RowGroupSpan[] = [];
  let at = 0;
  for (const n of rows) groups.push({ start: at, stop: (at += n) });
  return assemble(uuid, entries, schema, groups, Float64Array.from(locations), codecs);
}
