import type { ColumnSet, NumericArray } from '../columns.ts';
import { IoError } from '../errors.ts';
import { mapPacked } from '../../protocol/packed.ts';
import type { BranchInfo, EventSource } from '../source.ts';
import { closeNames } from '../events/close-names.ts';
import { parquetCompressors } from './compressors.ts';
import type { ByteSourceOptions } from '../bytes/index.ts';
import { ChunkDecodeError, type DecodedChunk } from './chunk-state.ts';
import { decodeChunk } from './decode-chunk.ts';
import { joinMask, joinPieces, maskRequest } from './join.ts';
import { LevelMemo } from './level-memo.ts';
import { FileReader, type ByteRange } from './file-reader.ts';
import { chunkLocation, describeFile, type ChunkLocation, type ParquetDescription, type SyntheticCounter } from './describe.ts';
import type { LeafColumn, UnsupportedColumn } from './schema.ts';

/** Options of {@link openParquet}. */
export interface OpenParquetOptions extends ByteSourceOptions {
  /** Aborts opening (the file is closed again). */
  signal?: AbortSignal;
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
  #description: ParquetDescription;
  #pending = new Set<Promise<ColumnSet>>();
  #closed = false;

  constructor(file: FileReader, description: ParquetDescription) {
    this.path = file.path;
    this.#file = file;
    this.uuid = description.uuid;
    this.entries = description.entries;
    this.branches = description.branches;
    this.clusters = description.clusters;
    this.#leaves = description.leaves;
    this.#unsupported = description.unsupported;
    this.#counters = description.counters;
    this.#description = description;
  }

  read(columns: readonly string[], start: number, stop: number, signal?: AbortSignal): Promise<ColumnSet> {
    if (this.#closed) {
      return Promise.reject(
        new IoError('E_IO_CLOSED', `Expected an open source to read from, got ${this.path} closed already`, {
          path: this.path,
          treename: this.treename,
        }),
      );
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
    // Leaves to decode, by key, and whether a validity mask of it was asked for.
    const wanted = new Map<string, { leaf: LeafColumn; validity: boolean }>();
    for (const name of columns) {
      const { leaf, validity } = this.#leafOf(name);
      const seen = wanted.get(leaf.key);
      wanted.set(leaf.key, { leaf, validity: validity || (seen?.validity ?? false) });
    }
    const pieces = new Map<string, DecodedChunk[]>();
    for (const key of wanted.keys()) pieces.set(key, []);
    for (const [index, group] of this.#description.groups.entries()) {
      if (group.stop <= start || group.start >= stop || group.stop === group.start) continue;
      const selectStart = Math.max(start, group.start) - group.start;
      const selectEnd = Math.min(stop, group.stop) - group.start;
      const leaves = [...wanted.values()];
      const ranges = mapPacked(leaves, ({ leaf }) => this.#chunkRange(index, leaf));
      // Compressed pages are decoded right here and never handed out: read into reused memory.
      const read = await this.#file.readRangesTransient(mapPacked(ranges, (r) => r.range));
      try {
        signal?.throwIfAborted();
        // Columns of one collection hold the same levels: each distinct set is decoded once.
        const memo = new LevelMemo();
        leaves.forEach(({ leaf, validity }, i) => {
          pieces.get(leaf.key)!.push(this.#decode(read.views[i]!, leaf, ranges[i]!.chunk, selectStart, selectEnd, validity, memo));
        });
      } finally {
        read.release();
      }
    }
    const out: ColumnSet = {};
    for (const name of columns) {
      const mask = this.#leaves.has(name) ? undefined : maskRequest(name);
      if (mask !== undefined) {
        const leaf = this.#leaves.get(mask.column)!;
        out[name] = joinMask(pieces.get(leaf.key)!, leaf, mask.mask);
        continue;
      }
      const counter = this.#counters.get(name);
      const leaf = counter?.from ?? this.#leaves.get(name)!;
      const column = joinPieces(pieces.get(leaf.key)!, leaf);
      out[name] = counter === undefined ? column : countsOf(column as { offsets: Int32Array });
    }
    return out;
  }

  // The leaf behind a column name: a column, a NanoAOD counter, or a validity mask of a column.
  #leafOf(name: string): { leaf: LeafColumn; validity: boolean } {
    const leaf = this.#leaves.get(name) ?? this.#counters.get(name)?.from;
    if (leaf !== undefined) return { leaf, validity: false };
    const mask = maskRequest(name);
    const masked = mask === undefined ? undefined : this.#leaves.get(mask.column);
    if (mask === undefined || masked === undefined) throw this.#notFound(name);
    if (mask.mask === 'validRows' && masked.maxRep === 0) {
      throw new IoError(
        'E_IO_BRANCH_NOT_FOUND',
        `Expected a list column for ${name} of ${this.path}, got the flat column ${mask.column} (its mask is ${mask.column}.valid)`,
        { path: this.path, treename: this.treename, branch: name, available: [`${mask.column}.valid`] },
      );
    }
    return { leaf: masked, validity: true };
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

  #chunkRange(group: number, leaf: LeafColumn): { range: ByteRange; chunk: ChunkLocation } {
    const chunk = chunkLocation(this.#description, group, leaf.key);
    if (chunk === undefined) {
      throw new IoError('E_IO_MALFORMED', `Expected a column chunk for ${leaf.key} in every row group of ${this.path}, got none`, {
        path: this.path,
        branch: leaf.name,
      });
    }
    if (chunk.end > this.#file.size) {
      throw new IoError('E_IO_TRUNCATED', `Expected column ${leaf.name} to end at byte ${chunk.end} of ${this.path}, got a ${this.#file.size}-byte file`, {
        path: this.path,
        branch: leaf.name,
      });
    }
    return { range: { start: chunk.start, end: chunk.end }, chunk };
  }

  #decode(
    bytes: Uint8Array, leaf: LeafColumn, chunk: ChunkLocation, selectStart: number, selectEnd: number, validity: boolean, memo: LevelMemo,
  ): DecodedChunk {
    try {
      return decodeChunk(bytes, leaf, chunk, selectStart, selectEnd, parquetCompressors, { validity, memo, ownBytes: true });
    } catch (error) {
      // Anything else (a RangeError from a page decoder fed corrupt bytes) is malformed data too.
      const kind = error instanceof ChunkDecodeError ? error.kind : 'malformed';
      const code = kind === 'decompress' ? 'E_IO_DECOMPRESS' : kind === 'unsupported' ? 'E_IO_UNSUPPORTED' : 'E_IO_MALFORMED';
      const reason = error instanceof Error ? error.message : String(error);
      throw new IoError(code, `Could not read column ${leaf.name} of ${this.path}: ${reason}`, {
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
    const description = await describeFile(file);
    options.signal?.throwIfAborted();
    return new ParquetSource(file, description);
  } catch (error) {
    await file.close();
    throw error;
  }
}
