import type { ColumnMetaData, Compressors, DataReader, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { byteStreamSplit } from 'hyparquet/src/encoding.js';
import type { NumericArray } from '../columns.ts';
import { parquetPageDecompressors } from '../decompress/parquet-pages.ts';
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
  rep: Uint8Array | undefined;
  def: Uint8Array | undefined;
  levelCount: number;
  dictionary: RawArray | undefined;
}

/**
 * Decodes the pages of one column chunk into typed arrays and keeps rows `[selectStart, selectEnd)`.
 * Levels and values go straight into typed arrays (no per-row objects); flat pages before the
 * selection are skipped without decompressing them, and decoding stops after it.
 */
export function decodeChunk(
  bytes: Uint8Array,
  leaf: LeafColumn,
  meta: Pick<ColumnMetaData, 'codec' | 'num_values'>,
  selectStart: number,
  selectEnd: number,
  compressors: Compressors,
  validity = false,
): DecodedChunk {
  const total = Number(meta.num_values);
  const state: ChunkState = {
    values: allocRaw(leaf.physical, 0),
    total,
    valueCount: 0,
    rep: leaf.maxRep > 0 ? new Uint8Array(total) : undefined,
    def: leaf.maxDef > 0 ? new Uint8Array(total) : undefined,
    levelCount: 0,
    dictionary: undefined,
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
      const plain = decompress(page, header.uncompressed_page_size, meta, compressors, leaf);
      state.dictionary = allocRaw(leaf.physical, n);
      decodePlain(plain, 0, leaf.physical, state.dictionary, 0, n);
    } else if (header.type === 'DATA_PAGE' && header.data_page_header) {
      const n = header.data_page_header.num_values;
      if (flat && state.levelCount === 0 && skippedRows + n <= selectStart) {
        skippedRows += n;
        continue;
      }
      checkLevels(state, n, total, leaf);
      const plain = decompress(page, header.uncompressed_page_size, meta, compressors, leaf);
      const r: DataReader = { view: new DataView(plain.buffer, plain.byteOffset, plain.byteLength), offset: 0 };
      if (state.rep) readRleHybrid(r, bitWidth(leaf.maxRep), state.rep.subarray(state.levelCount, state.levelCount + n));
      if (state.def) readRleHybrid(r, bitWidth(leaf.maxDef), state.def.subarray(state.levelCount, state.levelCount + n));
      const present = countPresent(state.def, state.levelCount, n, leaf.maxDef);
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
      const levels: DataReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      if (state.rep) readRleHybrid(levels, bitWidth(leaf.maxRep), state.rep.subarray(state.levelCount, state.levelCount + n), repLength);
      levels.offset = repLength;
      if (state.def) readRleHybrid(levels, bitWidth(leaf.maxDef), state.def.subarray(state.levelCount, state.levelCount + n), defLength);
      const body = page.subarray(repLength + defLength);
      const plain = h.is_compressed === false
        ? body
        : decompress(body, bodySize, meta, compressors, leaf);
      // Count values from the definition levels: pyarrow writes num_nulls = 0 for list<struct>
      // pages that hold empty lists, so num_values - num_nulls overcounts them.
      const present = countPresent(state.def, state.levelCount, n, leaf.maxDef);
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
  return select(state, leaf, selectStart - skippedRows, selectEnd - skippedRows, validity);
}

/**
 * The values of a chunk's only data page (V2, PLAIN, levels outside the compressed body) as a
 * typed array over the page's decompressed bytes — no copy into a chunk-sized array — or
 * `undefined` where that is not safe: a decompressor other than cortado's own (whose output
 * might be reused), booleans (bit-packed), bytes not aligned for the type, or too few of them.
 */
function adoptPlain(plain: Uint8Array, present: number, leaf: LeafColumn, codec: string, compressors: Compressors): RawArray | undefined {
  const own = parquetPageDecompressors[codec as keyof typeof parquetPageDecompressors];
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

function decompress(page: Uint8Array, size: number, meta: Pick<ColumnMetaData, 'codec'>, compressors: Compressors, leaf: LeafColumn): Uint8Array {
  try {
    return decompressPage(page, size, meta.codec, compressors);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const kind = /unsupported compression/.test(message) ? 'unsupported' : 'decompress';
    throw new ChunkDecodeError(kind, `a ${meta.codec} page of column ${leaf.key} could not be decompressed: ${message}`, {
      cause,
    });
  }
}

function countPresent(def: Uint8Array | undefined, start: number, n: number, maxDef: number): number {
  if (def === undefined) return n;
  // Branch-free (levels alternate unpredictably): 1 - ((d ^ maxDef) + 255 >> 8) is 1 where d === maxDef.
  let absent = 0;
  for (let i = start, end = start + n; i < end; i++) absent += ((def[i]! ^ maxDef) + 255) >> 8;
  return n - absent;
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
  const { values, def, rep, levelCount } = state;
  const fill = nullFill(leaf.physical);
  if (leaf.maxRep === 0) {
    if (levelCount < stop) throw new ChunkDecodeError('malformed', `column ${leaf.key} holds ${levelCount} rows, expected ${stop}`);
    if (def === undefined) {
      // The whole chunk selected (a read by row groups): its values array is the result, no copy.
      const plain = start === 0 && stop === values.length && state.valueCount === stop ? values : values.slice(start, stop);
      return validity ? { values: plain, valid: new Uint8Array(stop - start).fill(1) } : { values: plain };
    }
    const out = allocRaw(leaf.physical, stop - start);
    let v = 0;
    for (let i = 0; i < start; i++) if (def[i] === leaf.maxDef) v++;
    scatter(values, def, leaf.maxDef, v, out, start, stop, fill);
    if (!validity) return { values: out };
    const valid = new Uint8Array(stop - start);
    for (let i = start; i < stop; i++) valid[i - start] = def[i] === leaf.maxDef ? 1 : 0;
    return { values: out, valid };
  }
  const rows = stop - start;
  // One slot more than the offsets: scanList's scratch slot.
  const offsets = new Int32Array(rows + 1);
  // A list level is always defined (its repeated node adds one), so def is present here.
  const scan = scanList(rep!, def!, levelCount, start, stop, leaf.elementDef, leaf.maxDef, offsets);
  if (scan.rowsSeen < stop) throw new ChunkDecodeError('malformed', `column ${leaf.key} holds ${scan.rowsSeen} rows, expected ${stop}`);
  const { elements, valueStart, nulls } = scan;
  const maxDef = leaf.maxDef;
  const elementDef = leaf.elementDef;
  const repLevels = rep!;
  let row: number;
  const masks = validity ? listValidity(state, leaf, start, stop, elements) : {};
  if (!nulls) {
    // From the chunk's first row (a read by row groups): a view of the decoded values, no copy.
    // The array was sized for every level, so empty lists leave unused room at its end.
    const own = valueStart === 0 ? values.subarray(0, elements) : values.slice(valueStart, valueStart + elements);
    return { values: own as RawArray, offsets, ...masks };
  }
  // Null list elements: place values where elements are defined. `v` counts the values of every
  // level from the chunk's start, those of rows before the selection included.
  const out = allocRaw(leaf.physical, elements);
  const src = bitsOf(values);
  const dst = bitsOf(out);
  let k = 0;
  let v = 0;
  row = -1;
  for (let i = 0; i < levelCount && k < elements; i++) {
    if (repLevels[i] === 0) row++;
    const d = def === undefined ? maxDef : def[i]!;
    if (row >= start && d >= elementDef) {
      dst[k++] = d === maxDef ? src[v++]! : (fill as number);
    } else if (d === maxDef) {
      v++;
    }
  }
  return { values: out, offsets, ...masks };
}

/**
 * One pass over the levels of a list chunk for rows [start, stop): fills `offsets` (elements per
 * row, running), and tells how many values precede the selection, how many elements it holds and
 * whether any is null. Kept small and monomorphic: it is the reader's hottest loop.
 */
function scanList(
  rep: Uint8Array,
  def: Uint8Array,
  levelCount: number,
  start: number,
  stop: number,
  elementDef: number,
  maxDef: number,
  offsets: Int32Array,
): { elements: number; valueStart: number; nulls: boolean; rowsSeen: number } {
  let i = 0;
  let row = -1;
  let valueStart = 0;
  // Rows before the selection: count their values only.
  for (; i < levelCount; i++) {
    if (rep[i] === 0) {
      if (row + 1 >= start) break;
      row++;
    }
    if (def[i] === maxDef) valueStart++;
  }
  let elements = 0;
  let nulls = 0;
  // Branch-free but for the (predictable) end of the selection: whether a level opens a row and
  // whether it holds an element alternate at random in real data, and mispredicted branches
  // cost more than the arithmetic (measured 5.7 -> 4.1 ns a level in isolation). Every level
  // writes the running element count as the next row's offset, so the last level of each row
  // leaves the right one (every row has at least one level). `e` is 1 at an element.
  for (; i < levelCount; i++) {
    row += 1 - ((rep[i]! + 255) >> 8);
    if (row >= stop) break;
    const d = def[i]!;
    const e = (elementDef - 1 - d) >>> 31;
    elements += e;
    nulls |= e & (((d ^ maxDef) + 255) >> 8);
    offsets[row - start + 1] = elements;
  }
  offsets[stop - start] = elements;
  return { elements, valueStart, nulls: nulls !== 0, rowsSeen: Math.min(row + 1, stop) };
}

// Validity of the items (1 = a value, 0 = a null item) and of the rows (0 = a null list) of rows
// [start, stop). A list is null when its definition level stops short of the list group's own.
function listValidity(state: ChunkState, leaf: LeafColumn, start: number, stop: number, elements: number) {
  const { def, rep, levelCount } = state;
  const valid = new Uint8Array(elements).fill(1);
  const validRows = new Uint8Array(stop - start).fill(1);
  if (def === undefined) return { valid, validRows };
  const listDef = leaf.elementDef - 1;
  let row = -1;
  let k = 0;
  for (let i = 0; i < levelCount; i++) {
    if (rep![i] === 0) {
      row++;
      if (row >= stop) break;
      if (row >= start && def[i]! < listDef) validRows[row - start] = 0;
    }
    if (row < start) continue;
    const d = def[i]!;
    if (d >= leaf.elementDef) valid[k++] = d === leaf.maxDef ? 1 : 0;
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

function scatter(
  values: RawArray,
  def: Uint8Array,
  maxDef: number,
  v: number,
  out: RawArray,
  start: number,
  stop: number,
  fill: number | bigint,
): void {
  const src = bitsOf(values);
  const dst = bitsOf(out);
  for (let i = start; i < stop; i++) {
    if (def[i] === maxDef) dst[i - start] = src[v++]!;
    else dst[i - start] = fill as number;
  }
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
