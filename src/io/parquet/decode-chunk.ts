import type { ColumnMetaData, Compressors, DataReader, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { byteStreamSplit } from 'hyparquet/src/encoding.js';
import type { NumericArray } from '../columns.ts';
import { lz4RawInPlace, parquetPageDecompressors } from '../decompress/parquet-pages.ts';
import { snappyPages } from './compressors.ts';
import { allocBits, popcount, popcountRange, readLevelBits, type LevelTarget } from './level-bits.ts';
import { copyBits, levelMemoCounts, sameLevels, type LevelMemo, type ListScan, type MemoChunk, type PageLevels } from './level-memo.ts';
import { readRleHybrid } from './rle.ts';
import type { LeafColumn, PhysicalType } from './schema.ts';

/** Raw values of one physical type, before the logical type (uint8, uint32 …) is applied. */
export type RawArray = Uint8Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/** A decoded column chunk restricted to rows `[selectStart, selectEnd)` of its row group. */
export interface DecodedChunk {
  /**
   * Values of the selected rows, physical type, in a buffer of their own (for a list column read
   * from its chunk's first row, a view of the start of it: no copy).
   */
  readonly values: RawArray;
  /** For list columns: `rows + 1` offsets into `values`. */
  readonly offsets?: Int32Array;
  /** When asked for: 1 where `values` holds a value, 0 where it holds a null's fill (NaN/0/false). */
  readonly valid?: Uint8Array;
  /** When asked for, list columns only: per row, 0 where the list itself is null (read as empty). */
  readonly validRows?: Uint8Array;
}

/** A failure to decode page data: the caller turns it into an `IoError` with the file's path. */
export class ChunkDecodeError extends Error {
  readonly kind: 'malformed' | 'decompress' | 'unsupported';
  constructor(kind: 'malformed' | 'decompress' | 'unsupported', message: string, options?: { cause: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

const WIDTH: Record<Exclude<PhysicalType, 'BOOLEAN'>, number> = { INT32: 4, INT64: 8, FLOAT: 4, DOUBLE: 8 };

/** A zeroed array of `n` raw values of a physical type. */
export function allocRaw(physical: PhysicalType, n: number): RawArray {
  switch (physical) {
    case 'BOOLEAN':
      return new Uint8Array(n);
    case 'INT32':
      return new Int32Array(n);
    case 'INT64':
      return new BigInt64Array(n);
    case 'FLOAT':
      return new Float32Array(n);
    case 'DOUBLE':
      return new Float64Array(n);
  }
}

function bitWidth(max: number): number {
  return 32 - Math.clz32(max);
}

// Mutable state of a chunk being decoded page by page.
interface ChunkState {
  /** Empty until the first page's values: then a chunk-sized array, or the only page's own bytes. */
  values: RawArray;
  /** Values the chunk holds at most (its metadata's value count). */
  readonly total: number;
  valueCount: number;
  /** Lists: bit i set where level i opens a row (repetition level 0). */
  starts: Int32Array | undefined;
  /** Optional and list columns: bit i set where level i holds a value (definition level = max). */
  present: Int32Array | undefined;
  /** Lists: bit i set where level i is an item, a value or a null one (`present` where items cannot be null). */
  element: Int32Array | undefined;
  /** Lists read with validity: bit i set where the list of level i's row is not null (undefined: never null). */
  listExists: Int32Array | undefined;
  readonly repTargets: readonly LevelTarget[];
  readonly defTargets: readonly LevelTarget[];
  levelCount: number;
  dictionary: RawArray | undefined;
}

/** Options of {@link decodeChunk}. */
export interface DecodeOptions {
  /** Also the validity masks (`valid`, `validRows`). */
  validity?: boolean;
  /** The list chunks decoded before in the same read of a row group (see {@link LevelMemo}). */
  memo?: LevelMemo;
  /**
   * `bytes` lie in memory only this read uses, that nothing reads while it decodes (the reader's
   * own read buffer): an LZ4_RAW page may then be decoded in place (the 4 bytes before it are
   * borrowed for the decoder's size prefix and put back), not copied behind a prefix first.
   */
  ownBytes?: boolean;
}

/**
 * Decodes the pages of one column chunk into typed arrays and keeps rows `[selectStart, selectEnd)`.
 * Levels and values go straight into typed arrays (no per-row objects); flat pages before the
 * selection are skipped without decompressing them, and decoding stops after it. With a `memo`
 * (one per read of a row group), list levels equal to those of a chunk decoded before in the same
 * read are copied from it, not decoded again.
 */
export function decodeChunk(
  bytes: Uint8Array,
  leaf: LeafColumn,
  meta: Pick<ColumnMetaData, 'codec' | 'num_values'>,
  selectStart: number,
  selectEnd: number,
  compressors: Compressors,
  options: DecodeOptions = {},
): DecodedChunk {
  const { validity = false, memo, ownBytes = false } = options;
  const total = Number(meta.num_values);
  // Levels live in bitmaps (one bit per level and question), never one byte per level.
  const list = leaf.maxRep > 0;
  const starts = list ? allocBits(total) : undefined;
  const present = leaf.maxDef > 0 ? allocBits(total) : undefined;
  const element = list && leaf.elementDef < leaf.maxDef ? allocBits(total) : list ? present : undefined;
  const listDef = leaf.elementDef - 1;
  const listExists = list && validity && listDef > 0 ? allocBits(total) : undefined;
  const defTargets: LevelTarget[] = [];
  if (present) defTargets.push({ bits: present, threshold: leaf.maxDef, below: false });
  if (element && element !== present) defTargets.push({ bits: element, threshold: leaf.elementDef, below: false });
  if (listExists) defTargets.push({ bits: listExists, threshold: listDef, below: false });
  const state: ChunkState = {
    values: allocRaw(leaf.physical, 0),
    total,
    valueCount: 0,
    starts,
    present,
    element,
    listExists,
    repTargets: starts ? [{ bits: starts, threshold: 1, below: true }] : [],
    defTargets,
    levelCount: 0,
    dictionary: undefined,
  };
  // The list chunk decoded before in this read with the same levels, page for page, if any.
  const shape = `${leaf.maxRep}/${leaf.maxDef}/${leaf.elementDef}/${listExists ? 1 : 0}`;
  const candidate = list ? memo?.find(shape) : undefined;
  const pages: PageLevels[] = [];
  let matched = candidate !== undefined;
  // Decodes a page's levels into the bitmaps, or copies its bits from the candidate when the
  // page's encoded levels (`encoded`, with `repLength` bytes of repetition levels) equal its page's.
  const pageLevels = (n: number, encoded: Uint8Array | undefined, repLength: number, decode: () => void): void => {
    if (!list) {
      decode();
      return;
    }
    if (encoded !== undefined && candidate !== undefined && sameLevels(candidate.pages[pages.length], state.levelCount, n, repLength, encoded)) {
      const own = [...state.repTargets, ...state.defTargets];
      own.forEach((t, i) => copyBits(t.bits, candidate.targets[i]!.bits, state.levelCount, state.levelCount + n));
      levelMemoCounts.copied++;
    } else {
      decode();
      levelMemoCounts.decoded++;
      matched = false;
    }
    if (encoded !== undefined) pages.push({ at: state.levelCount, n, repLength, bytes: encoded });
    else matched = false;
  };
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  // Rows skipped before the first decoded level (whole pages before the selection).
  let skippedRows = 0;
  const flat = leaf.maxRep === 0;
  while (reader.offset < bytes.byteLength && state.levelCount < total) {
    if (flat && skippedRows + state.levelCount >= selectEnd) break;
    let header: PageHeader;
    try {
      header = parquetHeader(reader);
    } catch (cause) {
      throw new ChunkDecodeError('malformed', `a page header of column ${leaf.key} could not be parsed`, { cause });
    }
    const page = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    if (page.byteLength !== header.compressed_page_size) {
      throw new ChunkDecodeError('malformed', `a page of column ${leaf.key} runs past the end of its column chunk`);
    }
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      const n = header.dictionary_page_header?.num_values ?? 0;
      const plain = decompress(page, header.uncompressed_page_size, meta, compressors, leaf, ownBytes);
      state.dictionary = allocRaw(leaf.physical, n);
      decodePlain(plain, 0, leaf.physical, state.dictionary, 0, n);
    } else if (header.type === 'DATA_PAGE' && header.data_page_header) {
      const n = header.data_page_header.num_values;
      if (flat && state.levelCount === 0 && skippedRows + n <= selectStart) {
        skippedRows += n;
        continue;
      }
      checkLevels(state, n, total, leaf);
      const plain = decompress(page, header.uncompressed_page_size, meta, compressors, leaf, ownBytes);
      const r: DataReader = { view: new DataView(plain.buffer, plain.byteOffset, plain.byteLength), offset: 0 };
      const encoded = list ? v1Levels(r.view) : undefined;
      pageLevels(n, encoded, encoded === undefined ? 0 : 4 + r.view.getUint32(0, true), () => {
        if (state.starts) readLevelBits(r, bitWidth(leaf.maxRep), leaf.maxRep, state.levelCount, n, state.repTargets);
        if (state.present) readLevelBits(r, bitWidth(leaf.maxDef), leaf.maxDef, state.levelCount, n, state.defTargets);
      });
      if (encoded !== undefined) r.offset = encoded.length;
      const present = countPresent(state, n);
      decodeValues(plain, r.offset, header.data_page_header.encoding, present, state, leaf);
      state.levelCount += n;
    } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2) {
      const h = header.data_page_header_v2;
      const n = h.num_values;
      if (state.levelCount === 0 && skippedRows + h.num_rows <= selectStart) {
        skippedRows += h.num_rows;
        continue;
      }
      checkLevels(state, n, total, leaf);
      const repLength = h.repetition_levels_byte_length ?? 0;
      const defLength = h.definition_levels_byte_length ?? 0;
      const bodySize = header.uncompressed_page_size - repLength - defLength;
      if (!(repLength >= 0 && defLength >= 0 && repLength + defLength <= page.byteLength && bodySize >= 0)) {
        throw new ChunkDecodeError(
          'malformed',
          `a V2 page of column ${leaf.key} declares ${repLength} + ${defLength} level bytes and ${header.uncompressed_page_size} ` +
            `uncompressed bytes in a ${page.byteLength}-byte page`,
        );
      }
      pageLevels(n, page.subarray(0, repLength + defLength), repLength, () => {
        const levels: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
        if (state.starts) readLevelBits(levels, bitWidth(leaf.maxRep), leaf.maxRep, state.levelCount, n, state.repTargets, repLength);
        levels.offset = repLength;
        if (state.present) readLevelBits(levels, bitWidth(leaf.maxDef), leaf.maxDef, state.levelCount, n, state.defTargets, defLength);
      });
      const body = page.subarray(repLength + defLength);
      const plain = h.is_compressed === false
        ? body
        : decompress(body, bodySize, meta, compressors, leaf, ownBytes);
      // Count values from the definition levels: pyarrow writes num_nulls = 0 for list<struct>
      // pages that hold empty lists, so num_values - num_nulls overcounts them.
      const present = countPresent(state, n);
      const adopted = n === total && h.encoding === 'PLAIN' && plain !== body ? adoptPlain(plain, present, leaf, meta.codec, compressors) : undefined;
      if (adopted) {
        state.values = adopted;
        state.valueCount = present;
      } else {
        decodeValues(plain, 0, h.encoding, present, state, leaf);
      }
      state.levelCount += n;
    }
    // Index pages and unknown page types carry no values: skip them.
  }
  const start = selectStart - skippedRows;
  const stop = selectEnd - skippedRows;
  if (!list) return select(state, leaf, start, stop, validity);
  // Every page's levels equal the candidate's: the same bitmaps, so the same offsets for the same rows.
  const same = matched && candidate !== undefined && pages.length === candidate.pages.length && state.levelCount === candidate.levelCount;
  const reuse = same && candidate.scan?.start === start && candidate.scan.stop === stop ? candidate.scan : undefined;
  const record: MemoChunk = { shape, pages, targets: [...state.repTargets, ...state.defTargets], levelCount: state.levelCount, scan: undefined };
  const chunk = selectList(state, leaf, start, stop, validity, reuse, record);
  memo?.add(record);
  return chunk;
}

// The encoded levels at the start of a V1 page's decompressed bytes (repetition then definition
// levels, each after its 4-byte length), or undefined when those lengths run past the page (the
// level decoder then reports it).
function v1Levels(view: DataView): Uint8Array | undefined {
  if (view.byteLength < 4) return undefined;
  const def = 4 + view.getUint32(0, true);
  if (def + 4 > view.byteLength) return undefined;
  const end = def + 4 + view.getUint32(def, true);
  if (end > view.byteLength) return undefined;
  return new Uint8Array(view.buffer, view.byteOffset, end);
}

/**
 * The values of a chunk's only data page (V2, PLAIN, levels outside the compressed body) as a
 * typed array over the page's decompressed bytes — no copy into a chunk-sized array — or
 * `undefined` where that is not safe: a decompressor other than cortado's own or hysnappy's (whose
 * output might be reused), booleans (bit-packed), bytes not aligned for the type, or too few of them.
 */
function adoptPlain(plain: Uint8Array, present: number, leaf: LeafColumn, codec: string, compressors: Compressors): RawArray | undefined {
  const own = codec === 'SNAPPY' ? snappyPages : parquetPageDecompressors[codec as keyof typeof parquetPageDecompressors];
  if (leaf.physical === 'BOOLEAN' || own === undefined || compressors[codec as keyof Compressors] !== own) return undefined;
  const width = WIDTH[leaf.physical];
  if (plain.byteOffset % width !== 0 || plain.byteLength < present * width) return undefined;
  switch (leaf.physical) {
    case 'INT32':
      return new Int32Array(plain.buffer, plain.byteOffset, present);
    case 'INT64':
      return new BigInt64Array(plain.buffer, plain.byteOffset, present);
    case 'FLOAT':
      return new Float32Array(plain.buffer, plain.byteOffset, present);
    case 'DOUBLE':
      return new Float64Array(plain.buffer, plain.byteOffset, present);
  }
}

function checkLevels(state: ChunkState, n: number, total: number, leaf: LeafColumn): void {
  if (!(n >= 0) || state.levelCount + n > total) {
    throw new ChunkDecodeError('malformed', `column ${leaf.key} has pages of ${state.levelCount + n} values, more than its metadata's ${total}`);
  }
}

function decompress(
  page: Uint8Array, size: number, meta: Pick<ColumnMetaData, 'codec'>, compressors: Compressors, leaf: LeafColumn, ownBytes: boolean,
): Uint8Array {
  try {
    if (ownBytes && meta.codec === 'LZ4_RAW' && compressors.LZ4_RAW === parquetPageDecompressors.LZ4_RAW) {
      const out = lz4RawInPlace(page, size);
      if (out.length !== size) throw new Error(`decompressed page length ${out.length} does not match header ${size}`);
      return out;
    }
    return decompressPage(page, size, meta.codec, compressors);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const kind = /unsupported compression/.test(message) ? 'unsupported' : 'decompress';
    throw new ChunkDecodeError(kind, `a ${meta.codec} page of column ${leaf.key} could not be decompressed: ${message}`, {
      cause,
    });
  }
}

// Values of the page whose n levels were just decoded: the levels at the maximum definition level.
function countPresent(state: ChunkState, n: number): number {
  return state.present === undefined ? n : popcountRange(state.present, state.levelCount, state.levelCount + n);
}

function decodeValues(
  page: Uint8Array,
  offset: number,
  encoding: string,
  n: number,
  state: ChunkState,
  leaf: LeafColumn,
): void {
  if (state.valueCount === 0 && state.values.length < state.total) state.values = allocRaw(leaf.physical, state.total);
  const out = state.values;
  const at = state.valueCount;
  if (at + n > out.length) {
    throw new ChunkDecodeError('malformed', `column ${leaf.key} holds more values than its metadata's ${out.length}`);
  }
  const reader: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset };
  if (encoding === 'PLAIN') {
    decodePlain(page, offset, leaf.physical, out, at, n);
  } else if (encoding === 'RLE' && leaf.physical === 'BOOLEAN') {
    readRleHybrid(reader, 1, out.subarray(at, at + n) as Uint8Array);
  } else if (encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') {
    const dictionary = state.dictionary;
    if (dictionary === undefined) {
      throw new ChunkDecodeError('malformed', `column ${leaf.key} has dictionary-encoded values but no dictionary page`);
    }
    const width = page[offset] ?? 0;
    reader.offset = offset + 1;
    const indexes = new Int32Array(n);
    if (width > 0) readRleHybrid(reader, width, indexes, page.byteLength - reader.offset);
    gather(dictionary, indexes, out, at, leaf);
  } else if (encoding === 'BYTE_STREAM_SPLIT') {
    out.set(byteStreamSplit(reader, n, leaf.physical, undefined) as never, at);
  } else if (encoding === 'DELTA_BINARY_PACKED' && (leaf.physical === 'INT32' || leaf.physical === 'INT64')) {
    deltaBinaryUnpack(reader, n, out.subarray(at, at + n) as Int32Array | BigInt64Array);
  } else {
    throw new ChunkDecodeError('unsupported', `column ${leaf.key} uses the ${encoding} encoding, which cortado does not decode`);
  }
  state.valueCount = at + n;
}

function gather(dictionary: RawArray, indexes: Int32Array, out: RawArray, at: number, leaf: LeafColumn): void {
  const size = dictionary.length;
  // Same-typed arrays: the casts only tell TypeScript what allocRaw made.
  const src = bitsOf(dictionary);
  const dst = bitsOf(out);
  for (let i = 0; i < indexes.length; i++) {
    const k = indexes[i]!;
    if (k >= size || k < 0) throw new ChunkDecodeError('malformed', `column ${leaf.key} refers to dictionary entry ${k} of ${size}`);
    dst[at + i] = src[k]!;
  }
}

/** Decodes `n` PLAIN values of `physical` type at `page[offset]` into `out[at…]`. */
export function decodePlain(page: Uint8Array, offset: number, physical: PhysicalType, out: RawArray, at: number, n: number): void {
  if (physical === 'BOOLEAN') {
    const bits = out as Uint8Array;
    if (offset + Math.ceil(n / 8) > page.byteLength) throw new ChunkDecodeError('malformed', 'a boolean page is shorter than its value count');
    for (let i = 0; i < n; i++) bits[at + i] = (page[offset + (i >> 3)]! >> (i & 7)) & 1;
    return;
  }
  const width = WIDTH[physical];
  const bytes = n * width;
  if (offset + bytes > page.byteLength) {
    throw new ChunkDecodeError('malformed', `a page holds ${page.byteLength - offset} value bytes, expected ${bytes}`);
  }
  // Parquet PLAIN is little-endian, as are the hosts Node runs on: a byte copy is the decode.
  new Uint8Array(out.buffer, out.byteOffset + at * width, bytes).set(page.subarray(offset, offset + bytes));
}

// Restricts decoded levels/values to rows [start, stop) of what was decoded, filling nulls with 0/NaN.
function select(state: ChunkState, leaf: LeafColumn, start: number, stop: number, validity: boolean): DecodedChunk {
  return leaf.maxRep === 0 ? selectFlat(state, leaf, start, stop, validity) : selectList(state, leaf, start, stop, validity, undefined, undefined);
}

function malformed(message: string): ChunkDecodeError {
  return new ChunkDecodeError('malformed', message);
}

function selectFlat(state: ChunkState, leaf: LeafColumn, start: number, stop: number, validity: boolean): DecodedChunk {
  const { values, present, levelCount } = state;
  if (levelCount < stop) throw malformed(`column ${leaf.key} holds ${levelCount} rows, expected ${stop}`);
  const rows = stop - start;
  // Values before the selection, and in it (one per row when no row is null).
  const v = present === undefined ? start : popcountRange(present, 0, start);
  const here = present === undefined ? rows : popcountRange(present, start, stop);
  if (v + here > state.valueCount) throw malformed(`column ${leaf.key} holds ${state.valueCount} values, its levels ${v + here}`);
  if (here === rows) {
    // No null: the values as they are; the whole chunk selected (a read by row groups) is its array itself, no copy.
    const plain = v === 0 && rows === values.length ? values : values.slice(v, v + rows);
    return validity ? { values: plain, valid: new Uint8Array(rows).fill(1) } : { values: plain };
  }
  const out = allocRaw(leaf.physical, rows);
  const valid = validity ? new Uint8Array(rows) : undefined;
  const src = bitsOf(values);
  const dst = bitsOf(out);
  const fill = nullFill(leaf.physical) as number;
  const bits = present!;
  let k = v;
  for (let i = start; i < stop; i++) {
    const bit = (bits[i >>> 5]! >>> (i & 31)) & 1;
    dst[i - start] = bit === 1 ? src[k++]! : fill;
    if (valid) valid[i - start] = bit;
  }
  return valid ? { values: out, valid } : { values: out };
}

/**
 * Rows [start, stop) of a list chunk from its level bitmaps. A row's offset is the count of items
 * before its first level, which is that level's index less the empty or null lists before it
 * (each is one level that holds no item): so the work is per row (its bit in `starts`), found a
 * 32-level word at a time, not per level.
 */
function selectList(
  state: ChunkState,
  leaf: LeafColumn,
  start: number,
  stop: number,
  validity: boolean,
  reuse: ListScan | undefined,
  record: MemoChunk | undefined,
): DecodedChunk {
  const { values } = state;
  const starts = state.starts!;
  const element = state.element!;
  const present = state.present!;
  const rows = stop - start;
  const scan = reuse ? { ...reuse, offsets: copyUnzeroed(reuse.offsets) } : scanRows(state, leaf, start, stop);
  if (record) record.scan = scan;
  const { offsets, begin, end } = scan;
  const elements = offsets[rows]!;
  // Every level that holds no item must open a row (an empty or null list); and are there null items?
  let bad = 0;
  let nulls = 0;
  if (end > begin) {
    const w0 = begin >>> 5;
    const w1 = (end - 1) >>> 5;
    for (let i = w0; i <= w1; i++) {
      let m = -1;
      if (i === w0) m &= -1 << (begin & 31);
      if (i === w1) m &= -1 >>> (31 - ((end - 1) & 31));
      const e = element[i]!;
      bad |= ~e & ~starts[i]! & m;
      nulls |= e & ~present[i]! & m;
    }
  }
  if (bad !== 0) throw malformed(`column ${leaf.key} has a level inside a row that holds no list item`);
  const valueStart = popcountRange(present, 0, begin);
  const valuesHere = popcountRange(present, begin, end);
  if (valueStart + valuesHere > state.valueCount) {
    throw malformed(`column ${leaf.key} holds ${state.valueCount} values, its levels ${valueStart + valuesHere}`);
  }
  const masks = validity ? listMasks(state, begin, end, rows, elements) : {};
  if (nulls === 0) {
    // From the chunk's first row (a read by row groups): a view of the decoded values, no copy.
    // The array was sized for every level, so empty lists leave unused room at its end.
    const own = valueStart === 0 ? values.subarray(0, elements) : values.slice(valueStart, valueStart + elements);
    return { values: own as RawArray, offsets, ...masks };
  }
  // Null items: values where present, the null fill elsewhere.
  const out = allocRaw(leaf.physical, elements);
  const src = bitsOf(values);
  const dst = bitsOf(out);
  const fill = nullFill(leaf.physical) as number;
  let k = 0;
  let v = valueStart;
  for (let i = begin; i < end; i++) {
    const word = i >>> 5;
    const b = i & 31;
    if (((element[word]! >>> b) & 1) === 0) continue;
    dst[k++] = ((present[word]! >>> b) & 1) === 1 ? src[v++]! : fill;
  }
  return { values: out, offsets, ...masks };
}

// A copy of `offsets` in memory not zeroed first (the copy overwrites all of it).
function copyUnzeroed(offsets: Int32Array): Int32Array {
  const bytes = Buffer.allocUnsafeSlow(offsets.byteLength);
  const copy = new Int32Array(bytes.buffer, bytes.byteOffset, offsets.length);
  copy.set(offsets);
  return copy;
}

// Row offsets of rows [start, stop) from the level bitmaps, and the levels [begin, end) they span.
function scanRows(state: ChunkState, leaf: LeafColumn, start: number, stop: number): ListScan {
  const { levelCount } = state;
  const starts = state.starts!;
  const element = state.element!;
  const rows = stop - start;
  if (levelCount > 0 && (starts[0]! & 1) === 0) throw malformed(`column ${leaf.key} begins with a level that continues a row`);
  // The level of row `start`: the (start + 1)-th set bit of `starts`.
  const words = (levelCount + 31) >>> 5;
  let w = 0;
  let before = 0;
  for (; w < words; w++) {
    const c = popcount(starts[w]!);
    if (before + c > start) break;
    before += c;
  }
  if (w === words) throw malformed(`column ${leaf.key} holds ${before} rows, expected ${stop}`);
  let s = starts[w]!;
  for (let k = before; k < start; k++) s &= s - 1;
  const begin = (w << 5) + 31 - Math.clz32(s & -s);
  // Not zeroed first (measured: a fresh zeroed array cost ~30% more than the scan that fills it):
  // every slot is written below, or the array is dropped with an error.
  const unzeroed = Buffer.allocUnsafeSlow(4 * (rows + 1));
  const offsets = new Int32Array(unzeroed.buffer, unzeroed.byteOffset, rows + 1);
  let r = 0;
  let empties = 0;
  let end = levelCount;
  scan: for (;;) {
    const e = element[w]!;
    while (s !== 0) {
      const low = s & -s;
      const bit = 31 - Math.clz32(low);
      if (r === rows) {
        end = (w << 5) + bit;
        break scan;
      }
      offsets[r++] = (w << 5) + bit - begin - empties;
      empties += 1 - ((e >>> bit) & 1);
      s ^= low;
    }
    if (++w >= words) break;
    s = starts[w]!;
  }
  if (r < rows) throw malformed(`column ${leaf.key} holds ${start + r} rows, expected ${stop}`);
  offsets[rows] = end - begin - empties;
  return { start, stop, offsets, begin, end };
}

// Validity of the items (1 = a value, 0 = a null item) and of the rows (0 = a null list) of the
// levels [begin, end) that hold the selected rows.
function listMasks(state: ChunkState, begin: number, end: number, rows: number, elements: number) {
  const starts = state.starts!;
  const element = state.element!;
  const present = state.present!;
  const exists = state.listExists;
  const valid = new Uint8Array(elements);
  const validRows = new Uint8Array(rows);
  let k = 0;
  let r = 0;
  for (let i = begin; i < end; i++) {
    const w = i >>> 5;
    const b = i & 31;
    if ((starts[w]! >>> b) & 1) validRows[r++] = exists === undefined ? 1 : (exists[w]! >>> b) & 1;
    if ((element[w]! >>> b) & 1) valid[k++] = (present[w]! >>> b) & 1;
  }
  return { valid, validRows };
}

/**
 * A view that copies values bit for bit: float32 values move through their int32 bits, because a
 * float32 read widens to a double, which quiets a signalling NaN and so alters its payload. The
 * cast to Float64Array only tells TypeScript that elements are assigned between same-typed arrays.
 */
function bitsOf(values: RawArray): Float64Array {
  if (values instanceof Float32Array) return new Int32Array(values.buffer, values.byteOffset, values.length) as unknown as Float64Array;
  return values as Float64Array;
}

// What a null becomes, in the element type of bitsOf(): the canonical quiet NaN (float32 as its
// bits 0x7FC00000), 0 for integers and false.
function nullFill(physical: PhysicalType): number | bigint {
  if (physical === 'FLOAT') return 0x7fc00000;
  if (physical === 'DOUBLE') return NaN;
  return physical === 'INT64' ? 0n : 0;
}

/** Converts raw physical values to the typed array of a column kind (uint32 reinterprets, uint8 narrows). */
export function toKind(raw: RawArray, kind: LeafColumn['kind']): NumericArray {
  switch (kind) {
    case 'int8':
      return new Int8Array(raw as Int32Array);
    case 'uint8':
      return new Uint8Array(raw as Int32Array);
    case 'int16':
      return new Int16Array(raw as Int32Array);
    case 'uint16':
      return new Uint16Array(raw as Int32Array);
    case 'uint32':
      return new Uint32Array(raw.buffer, raw.byteOffset, raw.length);
    case 'uint64':
      return new BigUint64Array(raw.buffer, raw.byteOffset, raw.length);
    default:
      return raw;
  }
}
