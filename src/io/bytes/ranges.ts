import type { ByteSource } from './source.ts';

/** A byte range of a file: `length` bytes from `position`. */
export interface ByteSpan {
  readonly position: number;
  readonly length: number;
}

/** How {@link readRanges} merges ranges. */
export interface CoalesceOptions {
  /** Ranges closer than this many bytes are read as one (default 32 KiB). */
  maxGap?: number;
  /** No merged read grows past this many bytes (default 64 MiB). */
  maxSpan?: number;
  signal?: AbortSignal;
}

/**
 * Groups `ranges` into as few reads as possible: neighbours closer than `maxGap` are merged
 * while the merged read stays under `maxSpan`. Returns the merged spans, sorted.
 *
 * @example
 * ```ts
 * coalesce([{ position: 0, length: 10 }, { position: 12, length: 4 }]); // [{ position: 0, length: 16 }]
 * ```
 */
export function coalesce(ranges: readonly ByteSpan[], maxGap = 32 * 1024, maxSpan = 64 * 1024 * 1024): ByteSpan[] {
  const sorted = [...ranges].filter((r) => r.length > 0).sort((a, b) => a.position - b.position);
  const out: ByteSpan[] = [];
  let start = -1;
  let end = -1;
  for (const r of sorted) {
    const rEnd = r.position + r.length;
    if (start >= 0 && r.position - end <= maxGap && Math.max(end, rEnd) - start <= maxSpan) {
      end = Math.max(end, rEnd);
    } else {
      if (start >= 0) out.push({ position: start, length: end - start });
      start = r.position;
      end = rEnd;
    }
  }
  if (start >= 0) out.push({ position: start, length: end - start });
  return out;
}

/**
 * Reads several ranges of `source` with as few reads as {@link coalesce} allows, all in flight
 * at once (a remote source bounds its own concurrency). Returns one view per range, in the
 * order asked; views of one merged read share its buffer.
 *
 * @example
 * ```ts
 * const [a, b] = await readRanges(source, [{ position: 0, length: 4 }, { position: 100, length: 8 }]);
 * ```
 */
export async function readRanges(
  source: ByteSource, ranges: readonly ByteSpan[], options: CoalesceOptions = {},
): Promise<Uint8Array[]> {
  const spans = coalesce(ranges, options.maxGap, options.maxSpan);
  const buffers = await Promise.all(spans.map((s) => source.read(s.position, s.length, options.signal)));
  return ranges.map((r) => {
    if (r.length === 0) return new Uint8Array(0);
    let lo = 0;
    let hi = spans.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (spans[mid]!.position <= r.position) lo = mid;
      else hi = mid - 1;
    }
    const offset = r.position - spans[lo]!.position;
    return buffers[lo]!.subarray(offset, offset + r.length);
  });
}

/**
 * Buffers read ahead as merged spans of a file (see {@link coalesce}), served back by position:
 * readers fetch what a read will need up front, then take each basket or page from here
 * synchronously. Spans are added in increasing position order.
 *
 * @example
 * ```ts
 * const spans = new SpanBuffers();
 * spans.add(1000, await source.read(1000, 4096));
 * spans.get(1200, 64); // a view of bytes 1200–1263; undefined for a range no span holds whole
 * ```
 */
export class SpanBuffers {
  readonly #starts: number[] = [];
  readonly #buffers: Uint8Array[] = [];

  /** Adds the bytes read at `position` (after every span added before it). */
  add(position: number, bytes: Uint8Array): void {
    this.#starts.push(position);
    this.#buffers.push(bytes);
  }

  /** A view of the `length` bytes at `position` when one span holds them all, else undefined. */
  get(position: number, length: number): Uint8Array | undefined {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= position) lo = mid + 1;
      else hi = mid - 1;
    }
    const i = lo - 1;
    if (i < 0) return undefined;
    const buffer = this.#buffers[i]!;
    const offset = position - starts[i]!;
    return offset + length <= buffer.length ? buffer.subarray(offset, offset + length) : undefined;
  }
}
