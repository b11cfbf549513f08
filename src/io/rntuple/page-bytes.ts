import { coalesce, SpanBuffers } from '../bytes/ranges.ts';
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
  readonly #spans = new SpanBuffers();

  constructor(path: string, read: (position: number, length: number) => Promise<Uint8Array>) {
    this.path = path;
    this.#read = read;
  }

  /** Fetches `ranges` (merged where close); a span that cannot be read is left to {@link read} to report. */
  async prefetch(ranges: ByteRange[], maxGap = 32 * 1024, maxSpan = 64 * 1024 * 1024): Promise<void> {
    const spans = coalesce(ranges, maxGap, maxSpan);
    const fetched = await Promise.all(spans.map((s) => this.#read(s.position, s.length).catch(() => undefined)));
    for (const [i, bytes] of fetched.entries()) if (bytes) this.#spans.add(spans[i]!.position, bytes);
  }

  read(position: number, length: number, what: () => string): Uint8Array | Promise<Uint8Array> {
    const held = this.#spans.get(position, length);
    if (held) return held;
    return this.#read(position, length).catch((error: unknown) => {
      if (error instanceof IoError && error.code === 'E_IO_TRUNCATED') {
        throw new IoError('E_IO_TRUNCATED', `Expected ${length} bytes of ${what()} at byte ${position} of ${this.path}, ` +
          `got past the end of the file (truncated?)`, { path: this.path }, { cause: error });
      }
      throw error;
    });
  }
}
