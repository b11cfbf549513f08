import { coalesce, SpanBuffers } from '../bytes/ranges.ts';
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
  readonly #spans = new SpanBuffers();

  private constructor(handle: RootFileHandle) {
    this.#handle = handle;
    this.path = handle.path;
  }

  /** Reads `ranges` (coalesced) of `handle` ahead; ranges that cannot be read are left to direct reads. */
  static async fetch(handle: RootFileHandle, ranges: ByteRange[], maxGap = 32 * 1024, maxSpan = 64 * 1024 * 1024):
  Promise<PrefetchedBytes> {
    const out = new PrefetchedBytes(handle);
    if (ranges.length < 2) return out; // nothing to gain over a direct read
    const spans = coalesce(ranges, maxGap, maxSpan);
    // A span that cannot be read (past the end of a file cut while open) is left to the direct
    // reads, which report the truncation naming the basket and branch.
    const buffers = await Promise.all(spans.map((span) => handle.read(span.position, span.length, 'baskets')
      .catch((error: unknown) => {
        if (error instanceof IoError && error.code === 'E_IO_TRUNCATED') return undefined;
        throw error;
      })));
    spans.forEach((span, i) => {
      const bytes = buffers[i];
      if (bytes) out.#spans.add(span.position, bytes);
    });
    return out;
  }

  read(position: number, length: number, what: string | (() => string)): Uint8Array | Promise<Uint8Array> {
    return this.#spans.get(position, length) ?? this.#handle.read(position, length, what);
  }
}
