// Rows [start, stop) of a decoded column chunk, from its level bitmaps: values, list offsets and
// validity masks (see decode-chunk.ts, which decodes the pages).
import { allocRaw, bitsOf, ChunkDecodeError, type ChunkState, type DecodedChunk, type RawArray } from './chunk-state.ts';
import { popcount, popcountRange } from './level-bits.ts';
import type { LevelCounts, ListScan, MemoChunk } from './level-memo.ts';
import type { LeafColumn, PhysicalType } from './schema.ts';

// Restricts decoded levels/values to rows [start, stop) of what was decoded, filling nulls with 0/NaN.
export function select(state: ChunkState, leaf: LeafColumn, start: number, stop: number, validity: boolean): DecodedChunk {
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
export function selectList(
  state: ChunkState,
  leaf: LeafColumn,
  start: number,
  stop: number,
  validity: boolean,
  reuse: ListScan | undefined,
  record: MemoChunk | undefined,
): DecodedChunk {
  const { values } = state;
  const element = state.element!;
  const present = state.present!;
  const rows = stop - start;
  const fresh: ListScan = reuse ? { ...reuse, offsets: copyUnzeroed(reuse.offsets) } : scanRows(state, leaf, start, stop);
  const { offsets, begin, end } = fresh;
  const elements = offsets[rows]!;
  // Equal bitmaps give equal counts: a reused scan brings its chunk's.
  const counts = fresh.counts ?? countLevels(state, leaf, begin, end);
  const scan: ListScan = fresh.counts ? fresh : { start, stop, offsets, begin, end, counts };
  if (record) record.scan = scan;
  const { nulls, valueStart, valuesHere } = counts;
  if (valueStart + valuesHere > state.valueCount) {
    throw malformed(`column ${leaf.key} holds ${state.valueCount} values, its levels ${valueStart + valuesHere}`);
  }
  const masks = validity ? listMasks(state, begin, end, rows, elements) : {};
  if (!nulls) {
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

// What the levels [begin, end) hold: null items? the values before them, and in them. Throws where
// a level that holds no item does not open a row (an empty or null list).
function countLevels(state: ChunkState, leaf: LeafColumn, begin: number, end: number): LevelCounts {
  const starts = state.starts!;
  const element = state.element!;
  const present = state.present!;
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
  return { nulls: nulls !== 0, valueStart: popcountRange(present, 0, begin), valuesHere: popcountRange(present, begin, end) };
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
    const base = (w << 5) - begin;
    if (rows - r > 32) {
      // Every row opened in this word is selected (a word opens at most 32).
      if ((s & ~e) === 0) {
        // No empty list opens here: the empties before each row are those before the word.
        const at = base - empties;
        while (s !== 0) {
          offsets[r++] = at + 31 - Math.clz32(s & -s);
          s &= s - 1;
        }
      } else {
        while (s !== 0) {
          const bit = 31 - Math.clz32(s & -s);
          offsets[r++] = base + bit - empties;
          empties += 1 - ((e >>> bit) & 1);
          s &= s - 1;
        }
      }
    } else {
      while (s !== 0) {
        const bit = 31 - Math.clz32(s & -s);
        if (r === rows) {
          end = (w << 5) + bit;
          break scan;
        }
        offsets[r++] = base + bit - empties;
        empties += 1 - ((e >>> bit) & 1);
        s &= s - 1;
      }
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

// What a null becomes, in the element type of bitsOf(): the canonical quiet NaN (float32 as its
// bits 0x7FC00000), 0 for integers and false.
function nullFill(physical: PhysicalType): number | bigint {
  if (physical === 'FLOAT') return 0x7fc00000;
  if (physical === 'DOUBLE') return NaN;
  return physical === 'INT64' ? 0n : 0;
}
