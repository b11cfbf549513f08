import type { ColumnChunk, FileMetaData } from 'hyparquet';
import type { Column, ColumnSet, NumericArray } from '../columns.ts';
import { IoError } from '../errors.ts';
import type { BranchInfo, EventSource } from '../source.ts';
import { closeNames } from '../events/close-names.ts';
import { parquetCompressors } from './compressors.ts';
import { ChunkDecodeError, allocRaw, decodeChunk, toKind, type DecodedChunk } from './decode-chunk.ts';
import type { ByteSourceOptions } from '../bytes/index.ts';
import { FileReader, type ByteRange } from './file-reader.ts';
import { readFooter } from './footer.ts';
import { counterNameOf, parquetLayout, type LeafColumn, type UnsupportedColumn } from './schema.ts';

/** Options of {@link openParquet}. */
export interface OpenParquetOptions extends ByteSourceOptions {
  /** Aborts opening (the file is closed again). */
  signal?: AbortSignal;
}

// A NanoAOD counter (`nMuon`) that the file lacks, computed from a list column's offsets.
interface SyntheticCounter {
  readonly name: string;
  readonly from: LeafColumn;
}

interface RowGroupSpan {
  readonly start: number;
  readonly stop: number;
  readonly chunks: ReadonlyMap<string, ColumnChunk>;
}

/**
 * An open Parquet file seen as an {@link EventSource}: one row per event, flat columns as typed
 * arrays and list columns as jagged `{offsets, values}`, under ROOT-style NanoAOD names.
 */
class ParquetSource implements EventSource {
  readonly path: string;
  readonly treename = 'Events';
  readonly format = 'parquet' as const;
  readonly entries: number;
  readonly branches: readonly BranchInfo[];
  readonly clusters: readonly number[];
  readonly uuid: string;
  #file: FileReader;
  #leaves: ReadonlyMap<string, LeafColumn>;
  #unsupported: ReadonlyMap<string, UnsupportedColumn>;
  #counters: ReadonlyMap<string, SyntheticCounter>;
  #groups: readonly RowGroupSpan[];
  #pending = new Set<Promise<ColumnSet>>();
  #closed = false;

  constructor(file: FileReader, metadata: FileMetaData, uuid: string) {
    this.path = file.path;
    this.#file = file;
    this.uuid = uuid;
    this.entries = Number(metadata.num_rows);
    const { leaves, unsupported } = parquetLayout(metadata);
    this.#leaves = leaves;
    this.#unsupported = unsupported;

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
    this.branches = branches;
    this.#counters = counters;

    const groups: RowGroupSpan[] = [];
    const clusters = [0];
    let at = 0;
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows);
      const chunks = new Map<string, ColumnChunk>();
      for (const chunk of group.columns) {
        const key = chunk.meta_data?.path_in_schema.join('.');
        if (key !== undefined) chunks.set(key, chunk);
      }
      groups.push({ start: at, stop: at + rows, chunks });
      at += rows;
      if (rows > 0) clusters.push(at);
    }
    if (at !== this.entries) {
      throw new IoError('E_IO_MALFORMED', `Expected the row groups of ${this.path} to add up to ${this.entries} rows, got ${at}`, {
        path: this.path,
      });
    }
    this.#groups = groups;
    this.clusters = clusters;
  }

  read(columns: readonly string[], start: number, stop: number, signal?: AbortSignal): Promise<ColumnSet> {
    if (this.#closed) {
      return Promise.reject(new Error(`Expected an open source to read from, got ${this.path} closed already`));
    }
    // close() waits for reads in flight, so `return source.read(…)` inside `await using` is safe.
    const pending = this.#read(columns, start, stop, signal);
    this.#pending.add(pending);
    const forget = () => this.#pending.delete(pending);
    pending.then(forget, forget);
    return pending;
  }

  async #read(columns: readonly string[], start: number, stop: number, signal?: AbortSignal): Promise<ColumnSet> {
    signal?.throwIfAborted();
    if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop > this.entries || start > stop) {
      throw new RangeError(
        `Expected an entry range within [0, ${this.entries}) of ${this.path}, got [${start}, ${stop})`,
      );
    }
    const wanted = new Map<string, LeafColumn>();
    for (const name of columns) {
      const leaf = this.#leaves.get(name) ?? this.#counters.get(name)?.from;
      if (leaf === undefined) throw this.#notFound(name);
      wanted.set(leaf.key, leaf);
    }
    const pieces = new Map<string, DecodedChunk[]>();
    for (const leaf of wanted.values()) pieces.set(leaf.key, []);
    for (const group of this.#groups) {
      if (group.stop <= start || group.start >= stop || group.stop === group.start) continue;
      const selectStart = Math.max(start, group.start) - group.start;
      const selectEnd = Math.min(stop, group.stop) - group.start;
      const leaves = [...wanted.values()];
      const ranges = leaves.map((leaf) => this.#chunkRange(group, leaf));
      const bytes = await this.#file.readRanges(ranges.map((r) => r.range));
      signal?.throwIfAborted();
      leaves.forEach((leaf, i) => {
        pieces.get(leaf.key)!.push(this.#decode(bytes[i]!, leaf, ranges[i]!.chunk, selectStart, selectEnd));
      });
    }
    const out: ColumnSet = {};
    for (const name of columns) {
      const counter = this.#counters.get(name);
      const leaf = counter?.from ?? this.#leaves.get(name)!;
      const column = joinPieces(pieces.get(leaf.key)!, leaf);
      out[name] = counter === undefined ? column : countsOf(column as { offsets: Int32Array });
    }
    return out;
  }

  #notFound(name: string): IoError {
    const unsupported = this.#unsupported.get(name);
    if (unsupported !== undefined) {
      return new IoError('E_IO_UNSUPPORTED', `Column ${name} of ${this.path} cannot be read: ${unsupported.reason}`, {
        path: this.path,
        treename: this.treename,
        branch: name,
      });
    }
    const available = closeNames(name, this.branches.map((b) => b.name));
    const hint = available.length > 0 ? `; close names: ${available.join(', ')}` : '';
    return new IoError(
      'E_IO_BRANCH_NOT_FOUND',
      `Expected a column ${name} in ${this.path}, got none of that name among its ${this.branches.length} columns${hint}`,
      { path: this.path, treename: this.treename, branch: name, available },
    );
  }

  #chunkRange(group: RowGroupSpan, leaf: LeafColumn): { range: ByteRange; chunk: ColumnChunk } {
    const chunk = group.chunks.get(leaf.key);
    const meta = chunk?.meta_data;
    if (chunk === undefined || meta === undefined) {
      throw new IoError('E_IO_MALFORMED', `Expected a column chunk for ${leaf.key} in every row group of ${this.path}, got none`, {
        path: this.path,
        branch: leaf.name,
      });
    }
    let begin = Number(meta.data_page_offset);
    const dictionary = meta.dictionary_page_offset === undefined ? 0 : Number(meta.dictionary_page_offset);
    if (dictionary > 0 && dictionary < begin) begin = dictionary;
    const end = begin + Number(meta.total_compressed_size);
    if (end > this.#file.size) {
      throw new IoError('E_IO_TRUNCATED', `Expected column ${leaf.name} to end at byte ${end} of ${this.path}, got a ${this.#file.size}-byte file`, {
        path: this.path,
        branch: leaf.name,
      });
    }
    return { range: { start: begin, end }, chunk };
  }

  #decode(bytes: Uint8Array, leaf: LeafColumn, chunk: ColumnChunk, selectStart: number, selectEnd: number): DecodedChunk {
    try {
      return decodeChunk(bytes, leaf, chunk.meta_data!, selectStart, selectEnd, parquetCompressors);
    } catch (error) {
      if (!(error instanceof ChunkDecodeError)) throw error;
      const code = error.kind === 'decompress' ? 'E_IO_DECOMPRESS' : error.kind === 'unsupported' ? 'E_IO_UNSUPPORTED' : 'E_IO_MALFORMED';
      throw new IoError(code, `Could not read column ${leaf.name} of ${this.path}: ${error.message}`, {
        path: this.path,
        branch: leaf.name,
      }, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
    await this.#file.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function joinPieces(pieces: readonly DecodedChunk[], leaf: LeafColumn): Column {
  if (leaf.maxRep === 0) {
    const raw = pieces.length === 1 ? pieces[0]!.values : concatValues(pieces, leaf);
    return toKind(raw, leaf.kind);
  }
  if (pieces.length === 1) return { offsets: pieces[0]!.offsets!, values: toKind(pieces[0]!.values, leaf.kind) };
  let rows = 0;
  for (const p of pieces) rows += p.offsets!.length - 1;
  const offsets = new Int32Array(rows + 1);
  let row = 0;
  let base = 0;
  for (const p of pieces) {
    const o = p.offsets!;
    for (let i = 1; i < o.length; i++) offsets[row + i] = base + o[i]!;
    row += o.length - 1;
    base += p.values.length;
  }
  return { offsets, values: toKind(concatValues(pieces, leaf), leaf.kind) };
}

function concatValues(pieces: readonly DecodedChunk[], leaf: LeafColumn): DecodedChunk['values'] {
  let n = 0;
  for (const p of pieces) n += p.values.length;
  const out = allocRaw(leaf.physical, n);
  let at = 0;
  for (const p of pieces) {
    (out as Float64Array).set(p.values as Float64Array, at);
    at += p.values.length;
  }
  return out;
}


// A NanoAOD counter column (`nMuon`, UInt_t in ROOT) from a list column's offsets.
function countsOf(column: { offsets: Int32Array }): NumericArray {
  const { offsets } = column;
  const counts = new Uint32Array(offsets.length - 1);
  for (let i = 0; i < counts.length; i++) counts[i] = offsets[i + 1]! - offsets[i]!;
  return counts;
}

/**
 * Opens a Parquet file as an {@link EventSource} (one row per event; the tree name is `Events`).
 * Reads only the footer now and, later, only the column chunks of the row groups a read needs.
 * Missing file: `IoError` `ENOENT`; not Parquet: `E_IO_MALFORMED`. Close it (or `await using`).
 *
 * @example
 * ```ts
 * await using source = await openParquet('nano_dy.parquet');
 * const { nMuon, Muon_pt } = await source.read(['nMuon', 'Muon_pt'], 0, source.entries);
 * ```
 */
export async function openParquet(path: string, options: OpenParquetOptions = {}): Promise<EventSource> {
  options.signal?.throwIfAborted();
  const file = await FileReader.open(path, options);
  try {
    const { metadata, uuid } = await readFooter(file);
    options.signal?.throwIfAborted();
    return new ParquetSource(file, metadata, uuid);
  } catch (error) {
    await file.close();
    throw error;
  }
}
