import { IoError } from '../errors.ts';

/** Bytes to read for the file header: it is at most 75 bytes in either layout. */
export const HEADER_READ_SIZE = 128;

/** The ROOT file header fields cortado uses. */
export interface RootHeader {
  /** ROOT version that wrote the file (e.g. 62400); `>= 1000000` marks 64-bit seeks. */
  readonly version: number;
  /** Whether the raw version word was negative (an awkward writer; see `patchHeaderVersion`). */
  readonly versionPatched: boolean;
  readonly begin: number;
  /** The end of the file as the header declares it: a smaller file on disk is truncated. */
  readonly end: number;
  /** The file's UUID as 32 lowercase hex digits. */
  readonly uuid: string;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Parses the header at the start of a ROOT file (`TFile::ReadBuffer` layout: the `root` magic,
 * version, fBEGIN, fEND, …, fUUID). Throws `E_IO_MALFORMED` when it is not a ROOT file.
 */
export function parseRootHeader(bytes: Uint8Array, path: string): RootHeader {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < 4 || magic !== 'root') {
    throw new IoError('E_IO_MALFORMED', `Expected a ROOT file starting with "root", got ${JSON.stringify(magic)} in ${path}`, { path });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = view.getInt32(4);
  // Some writers leave a negative version word; ROOT reads it signed, so it is a small-file layout.
  const version = raw < 0 ? -raw % 1_000_000 : raw;
  const large = version >= 1_000_000;
  const begin = view.getInt32(8);
  const end = large ? Number(view.getBigInt64(12)) : view.getUint32(12);
  const uuidAt = large ? 57 : 45; // after fSeekInfo/fNbytesInfo; 2 bytes of UUID version first
  if (bytes.length < uuidAt + 18) {
    throw new IoError('E_IO_TRUNCATED', `Expected a ROOT header of ${uuidAt + 18} bytes in ${path}, got ${bytes.length}`, { path });
  }
  return { version, versionPatched: raw < 0, begin, end, uuid: hex(bytes.subarray(uuidAt + 2, uuidAt + 18)) };
}

/**
 * Rewrites a negative header version word in place to its positive value, so jsroot (which reads
 * it unsigned and then takes the 64-bit layout) parses such files (`nano_dy_SpecialTree.root`).
 */
export function patchHeaderVersion(firstBytes: Uint8Array): void {
  if (firstBytes.length < 8) return;
  const view = new DataView(firstBytes.buffer, firstBytes.byteOffset, firstBytes.byteLength);
  const raw = view.getInt32(4);
  if (raw < 0) view.setInt32(4, -raw % 1_000_000);
}
