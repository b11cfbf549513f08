import { coalesce, SpanBuffers } from '../bytes/ranges.ts';
import { IoError } from '../errors.ts';
import type { RootFileHandle } from './handle.ts';
import { releaseScratch, SCRATCH_MAX_BYTES, takeScratch } from '../bytes/scratch.ts';

/** Where basket bytes come from: the file, or a range read ahead of time (then synchronously). */
export interface ByteSource {
  readonly path: string;
  read(position: number, length: number, what: string | (() => string)): Uint8Array | Promise<Uint8Array>;
  /** The bytes when they are in memory already (no read, nothing built for a message), else undefined. */
  peek?(position: number, length: number): Uint8Array | undefined;
}

/** A byte range of the file. */
export interface ByteRange {
  readonly position: number;
  readonly length: number;
}

/**
 * Bytes a tree's recent reads fetched, kept (at most {@link RECENT_SPANS_BYTES} in all, oldest
 * dropped first) so that reading the same baskets again on the open tree (`read(['nMuon'])`
 * twice, or a column read after its counter) reads nothing from the file. Only spans fetched
 * whole for a read are kept: they are never converted in place (a basket decompressed into its
 * own buffer is; a stored basket is copied out), and a big read keeps nothing.
 */
export class RecentSpans {
  readonly #spans: { position: number; bytes: Uint8Array }[] = [];
  #total = 0;

  /** A view of the `length` bytes at `position` when a kept span holds them all. */
  get(position: number, length: number): Uint8Array | undefined {
    for (const { position: at, bytes } of this.#spans) {
      const offset = position - at;
      if (offset >= 0 && offset + length <= bytes.length) return bytes.subarray(offset, offset + length);
    }
    return undefined;
  }

  /** Keeps `bytes` read at `position`, unless it alone is over the bound. */
  add(position: number, bytes: Uint8Array): void {
    if (bytes.length > RECENT_SPANS_BYTES) return;
    this.#spans.push({ position, bytes });
    this.#total += bytes.length;
    while (this.#total > RECENT_SPANS_BYTES) this.#total -= this.#spans.shift()!.bytes.length;
  }

  clear(): void {
    this.#spans.length = 0;
    this.#total = 0;
  }
}

/** Bytes of recently read spans an open tree keeps (see {@link RecentSpans}). */
export const RECENT_SPANS_BYTES = 1024 * 1024;

/**
 * The longest span read at once: a read of more than the scratch buffer holds (a whole large
 * file) is cut so that its first {@link SCRATCH_MAX_BYTES} still go into the scratch buffer.
 */
const SCRATCH_SPAN_BYTES = 8 * 1024 * 1024;

/**
 * Reads the byte ranges a read will need in as few reads as possible, all in flight at once:
 * ranges closer than `maxGap` bytes are read as one (an async local read costs a pool round trip,
 * a remote one a request, while copying a 32 KiB gap costs a few µs), then each basket read is
 * served from those buffers synchronously. Build it with {@link PrefetchedBytes.fetch}, and call
 * {@link release} once the read is over: spans too large to keep in `RecentSpans` are read into
 * the thread's scratch buffer (see `takeScratch`), which the next read overwrites — a basket's
 * bytes served from here must be decompressed or copied, never handed out.
 */
export class PrefetchedBytes implements ByteSource {
  readonly path: string;
  readonly #handle: RootFileHandle;
  readonly #spans = new SpanBuffers();
  readonly #recent: RecentSpans | undefined;
  /** The scratch buffer the large spans were read into, until {@link release}. */
  #scratch: Uint8Array | undefined;
  /** Whether a read into the scratch buffer failed (it may still be written to: never reuse it). */
  #scratchFailed = false;
  #released = false;

  private constructor(handle: RootFileHandle, recent: RecentSpans | undefined) {
    this.#handle = handle;
    this.path = handle.path;
    this.#recent = recent;
  }

  /**
   * Reads `ranges` (coalesced) of `handle` ahead, except those `recent` still holds (and keeps
   * what it read there, when it is at most {@link RECENT_SPANS_BYTES}); ranges that cannot be
   * read are left to direct reads. A larger read goes into one scratch buffer, up to
   * {@link SCRATCH_MAX_BYTES} in all (the rest into fresh memory), when the file can be read
   * into a given buffer; it is not kept in `recent`.
   */
  static async fetch(handle: RootFileHandle, ranges: ByteRange[], recent?: RecentSpans, maxGap = 32 * 1024,
    maxSpan = 64 * 1024 * 1024): Promise<PrefetchedBytes> {
    const out = new PrefetchedBytes(handle, recent);
    const missing = recent ? ranges.filter((r) => recent.get(r.position, r.length) === undefined) : ranges;
    if (missing.length === 0) return out;
    const spans = coalesce(missing, maxGap, Math.min(maxSpan, SCRATCH_SPAN_BYTES));
    // A small read is kept for the next (`recent`); a larger one is read into scratch memory.
    let total = 0;
    for (const span of spans) total += span.length;
    let scratchBytes = 0;
    const inScratch = spans.map((span) => {
      if (total <= RECENT_SPANS_BYTES || scratchBytes + span.length > SCRATCH_MAX_BYTES) return -1;
      scratchBytes += span.length;
      return scratchBytes - span.length;
    });
    const scratch = scratchBytes > 0 ? takeScratch(scratchBytes) : undefined;
    out.#scratch = scratch;
    // A span that cannot be read (past the end of a file cut while open) is left to the direct
    // reads, which report the truncation naming the basket and branch.
    const buffers = await Promise.all(spans.map((span, i) => {
      const at = inScratch[i]!;
      const into = scratch && at >= 0 ? handle.readInto(span.position, scratch.subarray(at, at + span.length), 'baskets') : undefined;
      const read = into ?? handle.read(span.position, span.length, 'baskets');
      return read.catch((error: unknown) => {
        if (into) out.#scratchFailed = true;
        if (error instanceof IoError && error.code === 'E_IO_TRUNCATED') return undefined;
        throw error;
      });
    }));
    spans.forEach((span, i) => {
      const bytes = buffers[i];
      if (!bytes) return;
      out.#spans.add(span.position, bytes);
      if (scratch === undefined || bytes.buffer !== scratch.buffer) recent?.add(span.position, bytes);
    });
    return out;
  }

  read(position: number, length: number, what: string | (() => string)): Uint8Array | Promise<Uint8Array> {
    return this.peek(position, length) ?? this.#handle.read(position, length, what);
  }

  peek(position: number, length: number): Uint8Array | undefined {
    return (this.#released ? undefined : this.#spans.get(position, length)) ?? this.#recent?.get(position, length);
  }

  /**
   * Ends the read: the scratch buffer goes back to the thread (unless a read into it failed and
   * may still write into it), and later reads go to the file.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#scratch && !this.#scratchFailed) releaseScratch(this.#scratch);
    this.#scratch = undefined;
  }
}
