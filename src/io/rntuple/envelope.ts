import { decompressRoot } from '../decompress/index.ts';
import { IoError, type IoErrorCode } from '../errors.ts';
import { hex } from './anchor.ts';
import { xxh3 } from './checksum.ts';
import { Cursor } from './cursor.ts';

/** Envelope type ids of RNTuple 1.0. */
export const ENVELOPE = { header: 1, footer: 2, pageList: 3 } as const;

const NAMES: Record<number, string> = { 1: 'header', 2: 'footer', 3: 'page list' };

/** Where an envelope's bytes are read from. */
export interface EnvelopeSource {
  readonly path: string;
  readBytes(position: number, length: number): Promise<Uint8Array>;
}

/**
 * Reads the `nbytes` stored at `seek` and decompresses them to `length` bytes with ROOT's block
 * format (the same path as TTree baskets); bytes stored raw (`nbytes === length`) come back as is.
 */
export async function readBlob(source: EnvelopeSource, seek: number, nbytes: number, length: number, what: string): Promise<Uint8Array> {
  let stored: Uint8Array;
  try {
    stored = await source.readBytes(seek, nbytes);
  } catch (error) {
    if (error instanceof IoError && error.code === 'E_IO_TRUNCATED') {
      throw new IoError('E_IO_TRUNCATED', `Expected ${nbytes} bytes of ${what} at byte ${seek} of ${source.path}, got past ` +
        `the end of the file (truncated?)`, { path: source.path }, { cause: error });
    }
    throw error;
  }
  try {
    const out = decompressRoot(stored, length);
    return out instanceof Uint8Array ? out : await out;
  } catch (error) {
    if (error instanceof IoError) {
      throw new IoError(error.code as IoErrorCode, `${error.message} (${what} in ${source.path})`, { path: source.path }, { cause: error });
    }
    throw error;
  }
}

/**
 * Checks an envelope (8-byte preamble of type and length, payload, XXH3-64 of everything
 * before it) and returns a {@link Cursor} over its payload and its checksum. A wrong type,
 * length is `E_IO_MALFORMED`, a checksum that does not match `E_IO_CHECKSUM`.
 */
export function openEnvelope(bytes: Uint8Array, type: number, path: string): { cursor: Cursor; checksum: bigint } {
  const what = `the ${NAMES[type]} envelope`;
  const bad = (message: string): IoError => new IoError('E_IO_MALFORMED', `${message} (${what} of ${path})`, { path });
  if (bytes.length < 16) throw bad(`Expected an envelope of at least 16 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const preamble = view.getBigUint64(0, true);
  const got = Number(preamble & 0xffffn);
  const length = Number(preamble >> 16n);
  if (got !== type) throw bad(`Expected envelope type ${type} (${NAMES[type]}), got ${got}`);
  if (length !== bytes.length) throw bad(`Expected the envelope length to be its ${bytes.length} bytes, got ${length}`);
  const stored = view.getBigUint64(length - 8, true);
  const computed = xxh3(bytes.subarray(0, length - 8));
  if (stored !== computed) {
    throw new IoError('E_IO_CHECKSUM', `Expected checksum ${hex(computed)} (XXH3 of the envelope), got ${hex(stored)}: the ` +
      `envelope is corrupt (${what} of ${path})`, { path });
  }
  return { cursor: new Cursor(bytes, path, what, 8, length - 8), checksum: stored };
}

/** Reads a feature-flag list (64-bit words, the top bit of each saying another follows); any set flag is unsupported. */
export function readFeatureFlags(cur: Cursor): void {
  for (let word = 0; ; word++) {
    const value = cur.u64big('a feature-flag word');
    const flags = value & 0x7fffffffffffffffn;
    if (flags !== 0n) {
      const bit = flags.toString(2).length - 1 + 63 * word;
      throw new IoError('E_IO_UNSUPPORTED', `Expected an RNTuple without optional format features, got feature flag ${bit} ` +
        `set in ${cur.what} of ${cur.path}; cortado reads RNTuple 1.0 without extensions`, { path: cur.path });
    }
    if ((value >> 63n) === 0n) return;
  }
}

/** A locator: where a page or envelope is stored in the file. Only the standard (file offset) kind exists in ROOT files. */
export interface Locator {
  readonly size: number;
  readonly offset: number;
}

/** Reads a standard locator (32-bit size, 64-bit offset); another kind (object stores) is `E_IO_UNSUPPORTED`. */
export function readLocator(cur: Cursor, what: string): Locator {
  const head = cur.i32(`the size of ${what}`);
  if (head < 0) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected a file locator for ${what}, got a non-standard locator of type ` +
      `${(head >>> 24) & 0x7f} (object stores are not read) in ${cur.what} of ${cur.path}`, { path: cur.path });
  }
  return { size: head, offset: cur.u64(`the position of ${what}`) };
}

/** An envelope link: the uncompressed length of an envelope and where its stored bytes are. */
export interface EnvelopeLink {
  readonly length: number;
  readonly locator: Locator;
}

export function readEnvelopeLink(cur: Cursor, what: string): EnvelopeLink {
  const length = cur.u64(`the length of ${what}`);
  return { length, locator: readLocator(cur, what) };
}
