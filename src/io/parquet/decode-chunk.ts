import type { ColumnMetaData, Compressors, DataReader, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { byteStreamSplit } from 'hyparquet/src/encoding.js';
import type { NumericArray } from '../columns.ts';
import { lz4RawInPlace, parquetPageDecompressors } from '../decompress/parquet-pages.ts';
import { snappyPages } from './compressors.ts';
import { allocRaw, ChunkDecodeError, WIDTH, type ChunkState, type DecodedChunk, type RawArray } from './chunk-state.ts';
import { allocBits, popcountRange, readLevelBits, type LevelTarget } from './level-bits.ts';
import { copyBits, levelMemoCounts, sameLevels, type LevelMemo, type MemoChunk, type PageLevels } from './level-memo.ts';
import { readRleHybrid, readRuns, unpack, type RunSink } from './rle.ts';
import { select, selectList } from './select-rows.ts';
import type { LeafColumn, PhysicalType } from './schema.ts';
import type { ChunkLocation } from './description.ts';

function bitWidth(max: number): number {
  return 32 - Math.clz32(max);
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
  meta: Pick<ChunkLocation, 'codec' | 'num_values'>,
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
    const sink = dictionarySink(dictionary, out, at, leaf);
    // Width 0: every index is 0, and no run is stored.
    if (width === 0) {
      if (n > 0) sink.repeat(0, 0, n);
    } else {
      readRuns(reader, width, n, sink, page.byteLength - reader.offset);
    }
  } else if (encoding === 'BYTE_STREAM_SPLIT') {
    out.set(byteStreamSplit(reader, n, leaf.physical, undefined) as never, at);
  } else if (encoding === 'DELTA_BINARY_PACKED' && (leaf.physical === 'INT32' || leaf.physical === 'INT64')) {
    deltaBinaryUnpack(reader, n, out.subarray(at, at + n) as Int32Array | BigInt64Array);
  } else {
    throw new ChunkDecodeError('unsupported', `column ${leaf.key} uses the ${encoding} encoding, which cortado does not decode`);
  }
  state.valueCount = at + n;
}

// Dictionary indexes of a bit-packed run are unpacked a block at a time into this buffer (kept by
// the thread, never handed out), then looked up.
const INDEX_BLOCK = 4096;
const indexScratch = new Int32Array(INDEX_BLOCK);

/**
 * Writes the values that runs of dictionary indexes name into `out[at…]`, a run at a time: an RLE
 * run is one check and one fill; a bit-packed run is unpacked a block at a time and gathered.
 * Values move as 32-bit lanes (one per 4-byte value, two per 8-byte one), so the copy is exact
 * (NaN payloads kept, no BigInt per int64) and the loops see one array type. An index past the
 * dictionary throws.
 */
export function dictionarySink(dictionary: RawArray, out: RawArray, at: number, leaf: LeafColumn): RunSink {
  const size = dictionary.length;
  const lanes = leaf.physical === 'BOOLEAN' ? 1 : WIDTH[leaf.physical] / 4;
  const src = lanesOf(dictionary);
  const dst = lanesOf(out);
  const wide = lanes === 2 ? new BigInt64Array(out.buffer, out.byteOffset, out.length) : undefined;
  const wideSrc = lanes === 2 ? new BigInt64Array(dictionary.buffer, dictionary.byteOffset, size) : undefined;
  const outside = (k: number): ChunkDecodeError =>
    new ChunkDecodeError('malformed', `column ${leaf.key} refers to dictionary entry ${k} of ${size}`);
  return {
    repeat(k, from, count) {
      if (k >= size) throw outside(k);
      const o = at + from;
      if (wide) wide.fill(wideSrc![k]!, o, o + count);
      else dst.fill(src[k]!, o, o + count);
    },
    packed(bytes, byteAt, width, from, count) {
      for (let done = 0; done < count; done += INDEX_BLOCK) {
        const block = Math.min(INDEX_BLOCK, count - done);
        unpack(bytes, byteAt + (done / 8) * width, width, indexScratch, 0, block);
        const o = at + from + done;
        if (lanes === 1) {
          for (let i = 0; i < block; i++) {
            const k = indexScratch[i]!;
            if ((k >>> 0) >= size) throw outside(k >>> 0);
            dst[o + i] = src[k]!;
          }
        } else {
          for (let i = 0; i < block; i++) {
            const k = indexScratch[i]!;
            if ((k >>> 0) >= size) throw outside(k >>> 0);
            const d = 2 * (o + i);
            dst[d] = src[2 * k]!;
            dst[d + 1] = src[2 * k + 1]!;
          }
        }
      }
    },
  };
}

// Raw values as 32-bit lanes (booleans as their bytes).
function lanesOf(values: RawArray): Int32Array | Uint8Array {
  if (values instanceof Uint8Array) return values;
  return new Int32Array(values.buffer, values.byteOffset, values.byteLength / 4);
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
