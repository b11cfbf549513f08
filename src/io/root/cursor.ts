/**
 * A read position in a buffer of ROOT's big-endian serialization (TBufferFile), with the
 * primitives every streamer uses. Reads past the end throw {@link CursorOverrun}, which callers
 * turn into an `IoError` naming the file and the record.
 *
 * @example
 * ```ts
 * const c = new RootCursor(bytes);
 * const v = c.version(); // { version: 20, end: 1234 }
 * const name = c.string();
 * ```
 */
export class RootCursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** The current byte position. */
  pos: number;
  /**
   * Bytes that preceded `bytes` in ROOT's own numbering (a record's key length): object and
   * class tags count them.
   */
  readonly origin: number;

  constructor(bytes: Uint8Array, pos = 0, origin = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
    this.origin = origin;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws unless `n` more bytes are there. */
  need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) throw new CursorOverrun(this.pos, n, this.bytes.length);
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** Moves to `pos` (an end found by a byte count), checking it lies in the buffer. */
  to(pos: number): void {
    if (pos < 0 || pos > this.bytes.length) throw new CursorOverrun(pos, 0, this.bytes.length);
    this.pos = pos;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }

  i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** A 64-bit integer as a number (seeks and entry counts stay far below 2^53). */
  i64(): number {
    this.need(8);
    const v = this.view.getInt32(this.pos) * 4294967296 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return v;
  }

  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** `n` bytes as a Latin-1 string. */
  latin1(n: number): string {
    this.need(n);
    const s = latin1(this.bytes, this.pos, n);
    this.pos += n;
    return s;
  }

  /** Skips a TString. */
  skipString(): void {
    let n = this.u8();
    if (n === 255) n = this.i32();
    this.skip(n);
  }

  /** A TString: one length byte (255: a 4-byte length follows), then the characters. */
  string(): string {
    let n = this.u8();
    if (n === 255) n = this.i32();
    this.need(n);
    const s = latin1(this.bytes, this.pos, n);
    this.pos += n;
    return s;
  }

  /** A NUL-terminated string (class names after a new-class tag). */
  cString(): string {
    const start = this.pos;
    const nul = this.bytes.indexOf(0, start);
    if (nul < 0) throw new CursorOverrun(start, 1, this.bytes.length);
    this.pos = nul + 1;
    return latin1(this.bytes, start, nul - start);
  }

  /**
   * A class version header: a byte count (when its 0x40000000 bit is set) and the version.
   * `end` is where the object ends by its byte count, or undefined when it has none.
   */
  version(): VersionHeader {
    const start = this.pos;
    this.need(2);
    const first = this.pos + 4 <= this.bytes.length ? this.view.getUint32(this.pos) : 0;
    if (first & BYTE_COUNT_MASK) {
      this.pos += 4;
      const count = first & ~BYTE_COUNT_MASK;
      const version = this.i16();
      const end = start + 4 + count;
      if (end > this.bytes.length) throw new CursorOverrun(start, 4 + count, this.bytes.length);
      return { version, end, start };
    }
    return { version: this.i16(), end: undefined, start };
  }

  /** `n` big-endian values read with `read`. */
  array<T>(n: number, size: number, read: () => T): T[] {
    if (n < 0) throw new CursorOverrun(this.pos, n, this.bytes.length);
    this.need(n * size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = read.call(this);
    return out;
  }
}

/** A class version and, when the object carries a byte count, where it ends. */
export interface VersionHeader {
  readonly version: number;
  readonly end: number | undefined;
  /** Where the header started. */
  readonly start: number;
}

/** The byte-count flag of a version header or object tag (TBufferFile's kByteCountMask). */
export const BYTE_COUNT_MASK = 0x40000000;

/** A read past the end of a buffer: the record is cut or its structure is not what was expected. */
export class CursorOverrun extends Error {
  constructor(readonly at: number, readonly wanted: number, readonly size: number) {
    super(`Expected ${wanted} more bytes at byte ${at} of a ${size}-byte record, got the end of it`);
    this.name = 'CursorOverrun';
  }
}

// Node's Buffer method, which takes any Uint8Array: one native call and no view object per
// string (branch names are read by the thousand on open, before the JIT has warmed up).
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string })
  .latin1Slice;

function latin1(bytes: Uint8Array, start: number, n: number): string {
  return latin1Slice.call(bytes, start, start + n);
}
