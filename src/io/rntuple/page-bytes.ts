import { IoError } from '../errors.ts';

/** A byte range of the file. */
export interface ByteRange {
  readonly position: number;
  readonly length: number;
}

/** Where RNTuple bytes come from: sync when already fetched, async otherwise. */
export interface PageSource {
  readonly path: string;
  read(position: number, length: number, what: () => string): Uint8Array | Promise<Uint8Array>;
}

/**
 * The stored pages one read needs, fetched up front in as few reads as possible (pages closer
 * than `maxGap` bytes are read as one: a positioned read costs more than copying a small gap),
 * then served synchronously; a page outside them is read on its own. A range past the end of the
 * file is `E_IO_TRUNCATED` naming the page.
 */
export class PageBytes implements PageSource {
  readonly path: string;
  readonly #read: (position: number, length: number) => Promise<Uint8Array>;
  readonly #starts: number[] = [];
  readonly #buffers: Uint8Array[] = [];

  constructor(path: string, read: (position: number, length: number) => Promise<Uint8Array>) {
    this.path = path;
    this.#read = read;
  }

  /** Fetches `ranges` (merged where close); a span that cannot be read is left to {@link read} to report. */
  async prefetch(ranges: ByteRange[], maxGap = 32 * 1024, maxSpan = 64 * 1024 * 1024): Promise<void> {
    if (ranges.length === 0) return;
    ranges.sort((a, b) => a.position - b.position);
    const spans: ByteRange[] = [];
    let start = ranges[0]!.position;
    let end = start + ranges[0]!.length;
    for (let i = 1; i < ranges.length; i++) {
      const r = ranges[i]!;
      const rEnd = r.position + r.length;
      if (r.position - end <= maxGap && Math.max(end, rEnd) - start <= maxSpan) {
        end = Math.max(end, rEnd);
      } else {
        spans.push({ position: start, length: end - start });
        start = r.position;
        end = rEnd;
      }
    }
    spans.push({ position: start, length: end - start });
    const fetched = await Promise.all(spans.map((s) => this.#read(s.position, s.length).catch(() => undefined)));
    for (const [i, bytes] of fetched.entries()) {
      if (!bytes) continue;
      this.#starts.push(spans[i]!.position);
      this.#buffers.push(bytes);
    }
  }

  read(position: number, length: number, what: () => string): Uint8Array | Promise<Uint8Array> {
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
    return this.#read(position, length).catch((error: unknown) => {
      if (error instanceof IoError && error.code === 'E_IO_TRUNCATED') {
        throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes of ${what()} at byte ${position} of ${this.path}, ` +
          `got past the end of the file (truncated?)`, { path: this.path }, { cause: error });
      }
      throw error;
    });
  }
}
