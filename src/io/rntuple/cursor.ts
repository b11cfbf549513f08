import { IoError } from '../errors.ts';

const UTF8 = new TextDecoder('utf-8');

/**
 * A little-endian reader over one decompressed RNTuple envelope: every read is bounds-checked,
 * so a field that runs past its envelope or frame is an `IoError` `E_IO_MALFORMED` naming the
 * file, the envelope and the byte, never a garbage number.
 */
export class Cursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly path: string;
  /** What is being read, for messages: `the header envelope`. */
  readonly what: string;
  pos: number;
  /** The end of the readable region (an envelope's payload or the current frame). */
  end: number;

  constructor(bytes: Uint8Array, path: string, what: string, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.path = path;
    this.what = what;
    this.pos = pos;
    this.end = end;
  }

  /** An `E_IO_MALFORMED` error about this envelope. */
  malformed(message: string): IoError {
    return new IoError('E_IO_MALFORMED', `${message} (byte ${this.pos} of ${this.what} in ${this.path})`, { path: this.path });
  }

  #need(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.end) {
      throw this.malformed(`Expected ${n} bytes for ${what}, got ${Math.max(0, this.end - at)} before the end of the frame`);
    }
    this.pos = at + n;
    return at;
  }

  u16(what = 'a 16-bit integer'): number {
    return this.view.getUint16(this.#need(2, what), true);
  }

  u32(what = 'a 32-bit integer'): number {
    return this.view.getUint32(this.#need(4, what), true);
  }

  i32(what = 'a 32-bit integer'): number {
    return this.view.getInt32(this.#need(4, what), true);
  }

  f64(what = 'a double'): number {
    return this.view.getFloat64(this.#need(8, what), true);
  }

  /** A raw 64-bit word (checksums, flags). */
  u64big(what = 'a 64-bit integer'): bigint {
    return this.view.getBigUint64(this.#need(8, what), true);
  }

  /** A signed 64-bit integer as a number; beyond ±2^53 is malformed for sizes and indices. */
  i64(what = 'a 64-bit integer'): number {
    // Two 32-bit halves rather than a BigInt: metadata holds thousands of these, and BigInts
    // made most of the garbage of parsing a NanoAOD header (measured).
    const at = this.#need(8, what);
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getInt32(at + 4, true);
    if (hi > 0x1fffff || hi < -0x200000) {
      this.pos = at;
      throw this.malformed(`Expected ${what} within ±2^53, got ${this.view.getBigInt64(at, true)}`);
    }
    return hi * 4294967296 + lo;
  }

  /** An unsigned 64-bit integer as a number (sizes, offsets, entry numbers). */
  u64(what = 'a 64-bit integer'): number {
    const at = this.#need(8, what);
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    if (hi > 0x1fffff) {
      this.pos = at;
      throw this.malformed(`Expected ${what} below 2^53, got ${this.view.getBigUint64(at, true)}`);
    }
    return hi * 4294967296 + lo;
  }

  /** A string: 32-bit length, then that many UTF-8 bytes. */
  string(what = 'a string'): string {
    const length = this.u32(`the length of ${what}`);
    const at = this.#need(length, what);
    const bytes = this.bytes;
    // Field and type names are short and ASCII: building them directly skips a decoder call each.
    if (length <= 64) {
      let ascii = '';
      for (let i = at; i < at + length; i++) {
        const b = bytes[i]!;
        if (b >= 0x80) return UTF8.decode(bytes.subarray(at, at + length));
        ascii += String.fromCharCode(b);
      }
      return ascii;
    }
    return UTF8.decode(bytes.subarray(at, at + length));
  }

  skipTo(pos: number): void {
    if (pos < this.pos || pos > this.end) throw this.malformed(`Expected to skip forward within the frame to byte ${pos}`);
    this.pos = pos;
  }
}
