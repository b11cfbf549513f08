import { IoError } from '../errors.ts';
import type { RootFileHandle } from './handle.ts';

/** Where basket bytes come from: the file, or a range read ahead of time (then synchronously). */
export interface ByteSource {
  readonly path: string;
  read(position: number, length: number, what: string | (() => string)): Uint8Array | Promise<Uint8Array>;
}

/** A byte range of the file. */
export interface ByteRange {
  readonly position: number;
  readonly length: number;
}

/**
 * Reads the byte ranges a read will need in as few reads as possible, all in flight at once:
 * ranges closer than `maxGap` bytes are read as one (an async local read costs a pool round trip,
 * a remote one a request, while copying a 32 KiB gap costs a few µs), then each basket read is
 * served from those buffers synchronously. Build it with {@link PrefetchedBytes.fetch}.
 */
export class PrefetchedBytes implements ByteSource {
  readonly path: string;
  readonly #handle: RootFileHandle;
  readonly #starts: number[] = [];
  readonly #buffers: Uint8Array[] = [];

  private constructor(handle: RootFileHandle) {
    this.#handle = handle;
    this.path = handle.path;
  }

  /** Reads `ranges` (coalesced) of `handle` ahead; ranges that cannot be read are left to direct reads. */
  static async fetch(handle: RootFileHandle, ranges: ByteRange[], maxGap = 32 * 1024, maxSpan = 64 * 1024 * 1024):
  Promise<PrefetchedBytes> {
    const out = new PrefetchedBytes(handle);
    if (ranges.length < 2) return out; // nothing to gain over a direct read
    ranges.sort((a, b) => a.position - b.position);
    const spans: { start: number; end: number }[] = [];
    let start = ranges[0]!.position;
    let end = start + ranges[0]!.length;
    for (let i = 1; i < ranges.length; i++) {
      const r = ranges[i]!;
      const rEnd = r.position + r.length;
      if (r.position - end <= maxGap && Math.max(end, rEnd) - start <= maxSpan) {
        end = Math.max(end, rEnd);
      } else {
        spans.push({ start, end });
        start = r.position;
        end = rEnd;
      }
    }
    spans.push({ start, end });
    // A span that cannot be read (past the end of a file cut while open) is left to the direct
    // reads, which report the truncation naming the basket and branch.
    const buffers = await Promise.all(spans.map((span) => handle.read(span.start, span.end - span.start, 'baskets')
      .catch((error: unknown) => {
        if (error instanceof IoError && error.code === 'E_IO_TRUNCATED') return undefined;
        throw error;
      })));
    spans.forEach((span, i) => {
      const bytes = buffers[i];
      if (!bytes) return;
      out.#starts.push(span.start);
      out.#buffers.push(bytes);
    });
    return out;
  }

  read(position: number, length: number, what: string | (() => string)): Uint8Array | Promise<Uint8Array> {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= position) lo = mid + 1;
      else hi = mid - 1;
    }
    const i = lo - 1;
    if (i >= 0) {
      const buffer = this.#buffers[i]!;
      const offset = position - starts[i]!;
      if (offset + length <= buffer.length) return buffer.subarray(offset, offset + length);
    }
    return this.#handle.read(position, length, what);
  }
}
