import { IoError } from '../errors.ts';
import { lz4DecodeBlock } from './lz4.ts';
import { lz4DecodeNative } from './lz4-native.ts';
import { xxhash64 } from './xxhash.ts';
import { decompressXz, decompressXzSync } from './xz.ts';
import { inflateZlib, inflateZlibInto } from './zlib.ts';
import { decompressZstd, decompressZstdInto } from './zstd.ts';

/** Size of ROOT's compression-block header: 2 algorithm bytes, 1 method byte, 3+3 size bytes. */
export const BLOCK_HEADER_SIZE = 9;

/** Size of the xxhash64 checksum that precedes the LZ4 data in an `L4` block. */
const LZ4_CHECKSUM_SIZE = 8;

/** The compression algorithms ROOT writes, by their two-letter block tag. */
export type RootCompression = 'zlib' | 'lz4' | 'zstd' | 'lzma' | 'none';

const TAGS: Record<string, RootCompression> = { ZL: 'zlib', L4: 'lz4', ZS: 'zstd', XZ: 'lzma' };

/**
 * Tells the algorithm of the first block of a compressed ROOT payload (`'none'` when `src`
 * already is `expectedSize` bytes long, as ROOT stores incompressible data raw).
 */
export function rootCompressionOf(src: Uint8Array, expectedSize: number): RootCompression | undefined {
  if (src.length === expectedSize) return 'none';
  if (src.length < BLOCK_HEADER_SIZE) return undefined;
  return TAGS[String.fromCharCode(src[0]!, src[1]!)];
}

function fail(message: string, cause?: unknown): IoError {
  return new IoError('E_IO_DECOMPRESS', message, {}, cause === undefined ? undefined : { cause });
}

/**
 * Checks an `L4` block's checksum: the big-endian xxhash64 (seed 0) of the LZ4 data that follows
 * it, as ROOT writes and uproot verifies. A mismatch is `E_IO_CHECKSUM`: decoding corrupt LZ4
 * data can succeed and return altered values, so the hash is the only guard.
 */
function verifyLz4Checksum(src: Uint8Array, bodyStart: number, bodyEnd: number): void {
  const view = new DataView(src.buffer, src.byteOffset + bodyStart, LZ4_CHECKSUM_SIZE);
  const stored = view.getBigUint64(0, false);
  const actual = xxhash64(src.subarray(bodyStart + LZ4_CHECKSUM_SIZE, bodyEnd));
  if (stored !== actual) {
    throw new IoError('E_IO_CHECKSUM', `Expected the LZ4 data of an L4 block at byte ${bodyStart - BLOCK_HEADER_SIZE} to ` +
      `hash to its stored xxhash64 ${stored.toString(16).padStart(16, '0')}, got ${actual.toString(16).padStart(16, '0')}: ` +
      'the data is corrupt');
  }
}

/** One compression block's header fields, as {@link blockAt} reads them. */
interface Block {
  readonly tag: string;
  readonly csize: number;
  readonly usize: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
}

/**
 * The header of the compression block at byte `s` of `src`, `d` of `expectedSize` bytes
 * decompressed before it; throws `E_IO_DECOMPRESS` when it or its body runs past the data, or it
 * claims more bytes than the payload has left.
 */
function blockAt(src: Uint8Array, s: number, d: number, expectedSize: number): Block {
  if (s + BLOCK_HEADER_SIZE > src.length) {
    throw fail(`Expected a compression block header at byte ${s} of ${src.length} ` +
      `(${d} of ${expectedSize} bytes decompressed so far), got the end of the data`);
  }
  const tag = String.fromCharCode(src[s]!, src[s + 1]!);
  const csize = src[s + 3]! | (src[s + 4]! << 8) | (src[s + 5]! << 16);
  const usize = src[s + 6]! | (src[s + 7]! << 8) | (src[s + 8]! << 16);
  const bodyStart = s + BLOCK_HEADER_SIZE;
  const bodyEnd = bodyStart + csize;
  if (bodyEnd > src.length) {
    throw fail(`Expected a ${tag} block of ${csize} bytes at byte ${bodyStart}, got only ${src.length - bodyStart}`);
  }
  if (d + usize > expectedSize) {
    throw fail(`Expected at most ${expectedSize - d} more decompressed bytes, a ${tag} block header says ${usize}`);
  }
  return { tag, csize, usize, bodyStart, bodyEnd };
}

/**
 * Runs `decode` on the `ZL` or `ZS` block `body` of `usize` bytes decompressed (it returns the
 * output, or how many bytes it wrote into one): a decoder's error becomes `E_IO_DECOMPRESS`, and
 * so does a length other than `usize`.
 */
function decodeBlock<T extends Uint8Array | number>(tag: 'ZL' | 'ZS', body: Uint8Array, usize: number, decode: () => T): T {
  let written: T;
  try {
    written = decode();
  } catch (error) {
    const what = tag === 'ZL' ? 'zlib stream in a ZL block' : 'ZSTD frame';
    throw fail(`Expected a valid ${what} of ${body.length} bytes: ${(error as Error).message}`, error);
  }
  const length = typeof written === 'number' ? written : written.length;
  if (length !== usize) throw fail(`Expected a ${tag} block to ${tag === 'ZL' ? 'inflate' : 'decode'} to ${usize} bytes, got ${length}`);
  return written;
}

/**
 * Decompresses the ROOT payload `src` of `expectedSize` bytes (see {@link decompressRoot})
 * straight into `dest` at `offset` — a column's own memory — when every block of it is `ZL` or
 * `ZS` and `dest` holds at least one byte after `offset + expectedSize` (the decoders' spare
 * byte, which shows a block longer than its header says; it and any bytes after it may be
 * overwritten: they belong to what the caller decodes next). Returns false, having written
 * nothing, for a payload stored raw, an `L4` or `XZ` first block, or no spare byte: the caller then
 * uses {@link decompressRoot}. Throws `IoError` `E_IO_DECOMPRESS` on corrupt input (`dest` then
 * holds garbage in that range); a later block of another algorithm (not written by ROOT) is
 * decoded on its own and copied in.
 *
 * Saves the fresh buffer per basket, and its copy, that {@link decompressRoot} returns.
 *
 * @example
 * ```ts
 * if (!decompressRootInto(basketBody, objlen, columnBytes, at)) copyIn(decompressRoot(basketBody, objlen));
 * ```
 */
export function decompressRootInto(src: Uint8Array, expectedSize: number, dest: Uint8Array, offset: number): boolean {
  if (src.length === expectedSize || expectedSize <= 0 || offset + expectedSize >= dest.length) return false;
  if (src.length < BLOCK_HEADER_SIZE || !INTO_TAGS.has(String.fromCharCode(src[0]!, src[1]!))) return false;
  let s = 0;
  let d = 0;
  while (d < expectedSize) {
    const { tag, usize, bodyStart, bodyEnd } = blockAt(src, s, d, expectedSize);
    const body = src.subarray(bodyStart, bodyEnd);
    const at = offset + d;
    if (tag === 'ZL') decodeBlock(tag, body, usize, () => inflateZlibInto(body, dest, at, usize));
    else if (tag === 'ZS') decodeBlock(tag, body, usize, () => decompressZstdInto(body, dest, at, usize));
    else {
      const piece = decompressRoot(src.subarray(s, bodyEnd), usize);
      if (!(piece instanceof Uint8Array)) return false; // an asynchronous XZ block: start over the usual way
      dest.set(piece, at);
    }
    s = bodyEnd;
    d += usize;
  }
  return true;
}

/** The block tags {@link decompressRootInto} decodes into a given buffer. */
const INTO_TAGS = new Set(['ZL', 'ZS']);

/**
 * Decompresses a ROOT payload (a basket or an object record): a sequence of compression blocks,
 * each a 9-byte header (`ZL` zlib, `L4` LZ4 with an 8-byte xxhash64 first, `ZS` ZSTD, `XZ` LZMA;
 * then the method byte and little-endian 24-bit compressed and uncompressed sizes) followed by
 * its body, until `expectedSize` bytes came out. A payload already `expectedSize` bytes long is
 * stored raw and returned as is.
 *
 * Decoders: `node:zlib` (ZL), the compiled `lz4-napi` (L4, after checking the block's xxhash64),
 * `node:zlib`'s ZSTD or libzstd in WebAssembly (ZS), the compiled `@napi-rs/lzma` (XZ). Returns
 * synchronously unless an `XZ` block needs the asynchronous WebAssembly fallback (platforms
 * without the compiled decoder), so no algorithm costs a promise per basket. Throws `IoError`
 * `E_IO_DECOMPRESS` on corrupt input, `E_IO_CHECKSUM` on an L4 block whose hash does not match.
 *
 * @example
 * ```ts
 * const r = decompressRoot(basketBody, objlen);
 * const bytes = r instanceof Uint8Array ? r : await r;
 * ```
 */
export function decompressRoot(src: Uint8Array, expectedSize: number): Uint8Array | Promise<Uint8Array> {
  if (src.length === expectedSize) return src;
  let out: Uint8Array | undefined;
  let s = 0;
  let d = 0;
  while (d < expectedSize) {
    const { tag, csize, usize, bodyStart, bodyEnd } = blockAt(src, s, d, expectedSize);
    const body = src.subarray(bodyStart, bodyEnd);
    const single = s === 0 && usize === expectedSize && bodyEnd === src.length;
    if (tag === 'XZ') {
      let bytes: Uint8Array | undefined;
      try {
        bytes = decompressXzSync(body);
      } catch (error) {
        throw fail(`Expected a valid xz stream of ${csize} bytes: ${(error as Error).message}`, error);
      }
      if (bytes === undefined) return decompressWithXz(src, expectedSize, out, s, d);
      if (bytes.length !== usize) throw fail(`Expected an XZ block to decode to ${usize} bytes, got ${bytes.length}`);
      if (single) return bytes;
      out ??= new Uint8Array(expectedSize);
      out.set(bytes, d);
    } else if (tag === 'ZL') {
      const inflated = decodeBlock(tag, body, usize, () => inflateZlib(body, usize));
      if (single) return inflated; // no copy for the common one-block basket
      out ??= new Uint8Array(expectedSize);
      out.set(inflated, d);
    } else if (tag === 'L4') {
      if (csize < LZ4_CHECKSUM_SIZE) throw fail(`Expected an L4 block of at least 8 bytes, got ${csize}`);
      verifyLz4Checksum(src, bodyStart, bodyEnd);
      let native: Uint8Array | undefined;
      try {
        // The checksum is verified: its last 4 bytes carry the decoder's size prefix for the call.
        native = lz4DecodeNative(src, bodyStart + LZ4_CHECKSUM_SIZE, bodyEnd, usize, true);
        if (native === undefined) {
          out ??= new Uint8Array(expectedSize);
          const end = lz4DecodeBlock(src, bodyStart + LZ4_CHECKSUM_SIZE, bodyEnd, out, d, d + usize);
          if (end !== d + usize) throw fail(`Expected an L4 block to decode to ${usize} bytes, got ${end - d}`);
        }
      } catch (error) {
        if (error instanceof IoError) throw error;
        throw fail(`Expected a valid LZ4 block of ${csize} bytes: ${(error as Error).message}`, error);
      }
      if (native !== undefined) {
        if (native.length !== usize) throw fail(`Expected an L4 block to decode to ${usize} bytes, got ${native.length}`);
        if (single) return native;
        out ??= new Uint8Array(expectedSize);
        out.set(native, d);
      }
    } else if (tag === 'ZS') {
      // One block: its own buffer is the output. Several: each decodes straight into the output.
      if (!single) out ??= new Uint8Array(expectedSize);
      const written = decodeBlock(tag, body, usize, () => single ? decompressZstd(body, usize) : decompressZstdInto(body, out!, d, usize));
      if (single) return written as Uint8Array;
    } else {
      throw fail(`Expected a compression block tagged ZL, L4, ZS or XZ at byte ${s}, got ` +
        `${JSON.stringify(tag)} (bytes ${src[s]}, ${src[s + 1]})`);
    }
    s = bodyEnd;
    d += usize;
  }
  return out ?? new Uint8Array(0);
}

/** The rest of {@link decompressRoot} from the first `XZ` block on, asynchronously. */
async function decompressWithXz(
  src: Uint8Array, expectedSize: number, partial: Uint8Array | undefined, s: number, d: number,
): Promise<Uint8Array> {
  const out = partial ?? new Uint8Array(expectedSize);
  while (d < expectedSize) {
    const { tag, csize, usize, bodyStart, bodyEnd } = blockAt(src, s, d, expectedSize);
    if (tag === 'XZ') {
      let bytes: Uint8Array;
      try {
        bytes = await decompressXz(src.subarray(bodyStart, bodyEnd));
      } catch (error) {
        throw fail(`Expected a valid xz stream of ${csize} bytes: ${(error as Error).message}`, error);
      }
      if (bytes.length !== usize) throw fail(`Expected an XZ block to decode to ${usize} bytes, got ${bytes.length}`);
      out.set(bytes, d);
    } else {
      // Mixed algorithms in one payload do not occur in practice; decode the block on its own.
      const header = src.subarray(s, bodyEnd);
      const piece = decompressRoot(header, usize);
      out.set(piece instanceof Uint8Array ? piece : await piece, d);
    }
    s = bodyEnd;
    d += usize;
  }
  return out;
}
