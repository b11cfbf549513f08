import { coalesce, openByteSource, readRanges, type ByteSource, type ByteSourceOptions } from '../bytes/index.ts';
import { IoError } from '../errors.ts';
import { releaseScratch, SCRATCH_MAX_BYTES, takeScratch } from '../bytes/scratch.ts';

/** Reads of fewer bytes go into fresh memory (a footer, a small row group): reuse saves little there. */
const SCRATCH_MIN_BYTES = 1 << 20;

/** Views of ranges read by {@link FileReader.readRangesTransient}, valid until `release()`. */
export interface TransientRanges {
  readonly views: Uint8Array[];
  /** Gives the memory back to be overwritten by the next read: call once nothing reads the views. */
  release(): void;
}

/** A byte range `[start, end)` of a file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Random-access reads of one Parquet file through a {@link ByteSource}: a local file (reads off
 * the event loop, under a timeout) or an `http(s)://` URL (range requests). Reads only the
 * ranges asked for, never the whole file, and owns the source: `close()` releases it (idempotent).
 *
 * @example
 * ```ts
 * const file = await FileReader.open('nano_dy.parquet');
 * try { const tail = await file.read(file.size - 8, file.size); } finally { await file.close(); }
 * ```
 */
export class FileReader {
  readonly path: string;
  readonly size: number;
  /** Changes when the file changes (see {@link ByteSource.identity}). */
  readonly identity: string;
  readonly #source: ByteSource;

  private constructor(source: ByteSource) {
    this.#source = source;
    this.path = source.path;
    this.size = source.size;
    this.identity = source.identity;
  }

  /**
   * Opens `path` (or an `http(s)://` URL) for reading. Rejects with an `IoError`: `ENOENT` (no
   * such file), `EISDIR` (a directory), `EACCES` (no permission), `E_IO_MALFORMED` (a special
   * file), `E_IO_TIMEOUT` (stuck), `E_IO_READ` (other), `E_IO_HTTP_*` (remote).
   */
  static async open(path: string, options: ByteSourceOptions = {}): Promise<FileReader> {
    try {
      return new FileReader(await openByteSource(path, options));
    } catch (error) {
      if (error instanceof IoError && error.code === 'ENOENT') {
        throw new IoError('ENOENT', `Expected a Parquet file at ${path}, got no such file`, { path }, { cause: error });
      }
      if (error instanceof IoError && error.code === 'EISDIR') {
        throw new IoError('EISDIR', `Expected a Parquet file at ${path}, got a directory`, { path }, { cause: error });
      }
      if (error instanceof IoError && error.code === 'E_IO_MALFORMED' && error.message.includes('regular file')) {
        throw new IoError('E_IO_MALFORMED', `Expected a Parquet file at ${path}, got a special file (a FIFO, socket or device)`,
          { path }, { cause: error });
      }
      throw error;
    }
  }

  /** Reads bytes `[start, end)` into a fresh array. */
  async read(start: number, end: number): Promise<Uint8Array> {
    if (start < 0 || end > this.size || start > end) {
      throw new IoError(
        'E_IO_TRUNCATED',
        `Expected bytes [${start}, ${end}) inside ${this.path} (${this.size} bytes), got a range past its end`,
        { path: this.path },
      );
    }
    return this.#source.read(start, end - start);
  }

  /**
   * Reads several ranges, coalescing neighbours closer than `gap` bytes into one read.
   * Returns one view per asked range, in the order asked.
   */
  async readRanges(ranges: readonly ByteRange[], gap = 64 * 1024): Promise<Uint8Array[]> {
    this.#check(ranges);
    return readRanges(this.#source, ranges.map((r) => ({ position: r.start, length: r.end - r.start })), { maxGap: gap });
  }

  /**
   * Reads several ranges as {@link readRanges} does, but for bytes that are decoded right after the
   * read and never handed out (compressed pages): when they add up to more than 1 MiB of a local
   * file, into the thread's scratch buffer (shared with the ROOT reader, see `takeScratch`) instead
   * of fresh memory — no page faults, unmapping or collector pressure per read. Call `release()`
   * once nothing reads the views (the next read overwrites them); a failed read never releases
   * (the system may still write into the buffer).
   */
  async readRangesTransient(ranges: readonly ByteRange[], gap = 64 * 1024): Promise<TransientRanges> {
    this.#check(ranges);
    const asked = ranges.map((r) => ({ position: r.start, length: r.end - r.start }));
    const spans = coalesce(asked, gap);
    const total = spans.reduce((n, s) => n + s.length, 0);
    const source = this.#source;
    if (source.readInto === undefined || total <= SCRATCH_MIN_BYTES || total > SCRATCH_MAX_BYTES) {
      return { views: await readRanges(source, asked, { maxGap: gap }), release: () => {} };
    }
    const scratch = takeScratch(total);
    const at: number[] = [];
    let end = 0;
    for (const s of spans) {
      at.push(end);
      end += s.length;
    }
    await Promise.all(spans.map((s, i) => source.readInto!(s.position, scratch.subarray(at[i]!, at[i]! + s.length))));
    const views = asked.map((r) => {
      if (r.length === 0) return new Uint8Array(0);
      const i = spans.findIndex((s) => s.position <= r.position && r.position + r.length <= s.position + s.length);
      const from = at[i]! + r.position - spans[i]!.position;
      return scratch.subarray(from, from + r.length);
    });
    return { views, release: () => releaseScratch(scratch) };
  }

  #check(ranges: readonly ByteRange[]): void {
    for (const r of ranges) {
      if (r.start < 0 || r.end > this.size || r.start > r.end) {
        throw new IoError('E_IO_TRUNCATED', `Expected bytes [${r.start}, ${r.end}) inside ${this.path} (${this.size} bytes), ` +
          'got a range past its end', { path: this.path });
      }
    }
  }

  /** Closes the source; safe to call more than once. */
  async close(): Promise<void> {
    await this.#source.close();
  }
}
