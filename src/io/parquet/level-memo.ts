import type { LevelTarget } from './level-bits.ts';

/** @internal Pages whose level bits were copied from an earlier chunk, and pages decoded. For tests. */
export const levelMemoCounts = { copied: 0, decoded: 0 };

/** The encoded levels of one data page of a list chunk, where they sit in the chunk's levels. */
export interface PageLevels {
  /** Index of the page's first level in the chunk (pages skipped before the read not counted). */
  readonly at: number;
  readonly n: number;
  /** Bytes of the repetition levels at the start of `bytes` (V2; V1 prefixes each part with its length). */
  readonly repLength: number;
  /** The page's encoded repetition and definition levels, as stored. */
  readonly bytes: Uint8Array;
}

/** What a list chunk's levels [begin, end) hold (see {@link ListScan}). */
export interface LevelCounts {
  /** Whether an item is null. */
  readonly nulls: boolean;
  /** Values before `begin`, and in `[begin, end)`. */
  readonly valueStart: number;
  readonly valuesHere: number;
}

/** Offsets a list chunk's levels gave for rows [start, stop), with the levels they span. */
export interface ListScan {
  readonly start: number;
  readonly stop: number;
  readonly offsets: Int32Array;
  readonly begin: number;
  readonly end: number;
  /** Counted once the levels were checked (undefined: not yet). */
  readonly counts?: LevelCounts;
}

/** A list chunk decoded in this read: its pages' encoded levels, bitmaps and last row scan. */
export interface MemoChunk {
  readonly shape: string;
  readonly pages: readonly PageLevels[];
  /** The bitmaps the levels were decoded into, in the order of the chunk's targets (rep, then def). */
  readonly targets: readonly LevelTarget[];
  readonly levelCount: number;
  scan: ListScan | undefined;
}

/**
 * The list chunks decoded so far in one read of a row group. The columns of one collection
 * (`Muon_pt`, `Muon_eta`, …) hold the same repetition and definition levels, byte for byte: a
 * page whose encoded levels equal those of the same page of an earlier chunk of the same shape
 * copies that chunk's bits instead of decoding them again, and a chunk whose every page matched
 * takes a copy of its row offsets. Lives for one read: it holds views of the read's bytes.
 *
 * @example
 * ```ts
 * const memo = new LevelMemo();
 * for (const leaf of leaves) decodeChunk(bytes, leaf, meta, 0, rows, compressors, false, memo);
 * ```
 */
export class LevelMemo {
  readonly #chunks: MemoChunk[] = [];

  /** The latest chunk decoded with this shape (levels, thresholds). */
  find(shape: string): MemoChunk | undefined {
    for (let i = this.#chunks.length - 1; i >= 0; i--) if (this.#chunks[i]!.shape === shape) return this.#chunks[i];
    return undefined;
  }

  add(chunk: MemoChunk): void {
    this.#chunks.push(chunk);
  }
}

/** Whether a page's encoded levels equal those of `page` (same place, count and bytes). */
export function sameLevels(page: PageLevels | undefined, at: number, n: number, repLength: number, bytes: Uint8Array): boolean {
  if (page === undefined || page.at !== at || page.n !== n || page.repLength !== repLength || page.bytes.length !== bytes.length) return false;
  return Buffer.from(page.bytes.buffer, page.bytes.byteOffset, page.bytes.length)
    .equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** ORs bits `[from, to)` of `src` into `dst` (zero there), a word at a time. */
export function copyBits(dst: Int32Array, src: Int32Array, from: number, to: number): void {
  if (to <= from) return;
  const w0 = from >>> 5;
  const w1 = (to - 1) >>> 5;
  const m0 = -1 << (from & 31);
  const m1 = -1 >>> (31 - ((to - 1) & 31));
  if (w0 === w1) {
    dst[w0]! |= src[w0]! & m0 & m1;
    return;
  }
  dst[w0]! |= src[w0]! & m0;
  dst.set(src.subarray(w0 + 1, w1), w0 + 1);
  dst[w1]! |= src[w1]! & m1;
}
