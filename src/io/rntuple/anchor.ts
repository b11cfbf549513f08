import { IoError } from '../errors.ts';
import { xxh3 } from './checksum.ts';

/** The RNTuple anchor: the small object under the RNTuple's key that locates everything else. */
export interface RNTupleAnchor {
  readonly versionEpoch: number;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly versionPatch: number;
  readonly seekHeader: number;
  readonly nbytesHeader: number;
  readonly lenHeader: number;
  readonly seekFooter: number;
  readonly nbytesFooter: number;
  readonly lenFooter: number;
  readonly maxKeySize: number;
}

const BYTECOUNT_MASK = 0x40000000;
/** Bytes of the anchor fields the checksum covers: four 16-bit versions and seven 64-bit words. */
const FIELDS_SIZE = 4 * 2 + 7 * 8;

/**
 * Parses the streamed `ROOT::RNTuple` anchor object (big-endian, as every ROOT-streamed object):
 * a byte count and class version, the format version, the header and footer locations, the
 * maximum key size, then an XXH3-64 of the fields, verified here. Only epoch 1 (RNTuple 1.x)
 * is read; another epoch is `E_IO_UNSUPPORTED`; a
 * checksum that does not match, `E_IO_CHECKSUM`.
 *
 * @example
 * ```ts
 * const anchor = parseAnchor(objectBytes, 'nano_dy_rntuple.root', 'Events');
 * anchor.seekHeader; // where the header envelope's bytes start
 * ```
 */
export function parseAnchor(bytes: Uint8Array, path: string, name: string): RNTupleAnchor {
  const where = `the RNTuple anchor ${name} in ${path}`;
  const malformed = (message: string): IoError => new IoError('E_IO_MALFORMED', `${message} (${where})`, { path, treename: name });
  if (bytes.length < 6 + FIELDS_SIZE + 8) {
    throw malformed(`Expected an anchor of at least ${6 + FIELDS_SIZE + 8} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = view.getUint32(0);
  if ((head & BYTECOUNT_MASK) === 0) throw malformed(`Expected the anchor to start with a byte count, got 0x${head.toString(16)}`);
  const count = head & ~BYTECOUNT_MASK;
  if (count < 2 + FIELDS_SIZE || 4 + count + 8 > bytes.length) {
    throw malformed(`Expected an anchor byte count of ${2 + FIELDS_SIZE} to ${bytes.length - 12}, got ${count}`);
  }
  const u64 = (at: number, what: string): number => {
    const value = view.getBigUint64(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`Expected ${what} below 2^53, got ${value}`);
    return Number(value);
  };
  const anchor: RNTupleAnchor = {
    versionEpoch: view.getUint16(6),
    versionMajor: view.getUint16(8),
    versionMinor: view.getUint16(10),
    versionPatch: view.getUint16(12),
    seekHeader: u64(14, 'the header position'),
    nbytesHeader: u64(22, 'the header size'),
    lenHeader: u64(30, 'the header length'),
    seekFooter: u64(38, 'the footer position'),
    nbytesFooter: u64(46, 'the footer size'),
    lenFooter: u64(54, 'the footer length'),
    maxKeySize: u64(62, 'the maximum key size'),
  };
  const stored = view.getBigUint64(4 + count);
  const computed = xxh3(bytes.subarray(6, 4 + count));
  if (stored !== computed) {
    throw new IoError('E_IO_CHECKSUM', `Expected the anchor checksum ${hex(computed)} (XXH3 of its fields), got ${hex(stored)}: ` +
      `the anchor is corrupt (${where})`, { path, treename: name });
  }
  if (anchor.versionEpoch !== 1) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected RNTuple format epoch 1 (RNTuple 1.x, ROOT 6.34 and later), got ` +
      `${anchor.versionEpoch}.${anchor.versionMajor}.${anchor.versionMinor}.${anchor.versionPatch} (${where})`, { path, treename: name });
  }
  return anchor;
}

/** A 64-bit checksum as 16 hex digits. */
export function hex(value: bigint): string {
  return `0x${value.toString(16).padStart(16, '0')}`;
}
