import { IoError } from '../errors.ts';

/** Bytes to read for the file header: it is at most 75 bytes in either layout. */
export const HEADER_READ_SIZE = 128;

/** The ROOT file header (`TFile::ReadBuffer` layout). */
export interface RootHeader {
  /** ROOT version that wrote the file (e.g. 62400); `>= 1000000` in the raw word marks 64-bit seeks. */
  readonly version: number;
  /** Whether the raw version word was negative (an awkward writer; ROOT reads it signed). */
  readonly versionPatched: boolean;
  /** Whether seeks in the header are 64-bit. */
  readonly large: boolean;
  /** Where the top directory's key starts. */
  readonly begin: number;
  /** The end of the file as the header declares it: a smaller file on disk is truncated. */
  readonly end: number;
  /** Bytes of the top directory's key and TNamed before its TDirectory record. */
  readonly nbytesName: number;
  /** The file's default compression setting (algorithm × 100 + level). */
  readonly compress: number;
  /** Where the streamer-info record (a TList of TStreamerInfo) lies, and its size. */
  readonly seekInfo: number;
  readonly nbytesInfo: number;
  /** The file's UUID as 32 lowercase hex digits. */
  readonly uuid: string;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Parses the header at the start of a ROOT file: the `root` magic, version, fBEGIN, fEND,
 * fSeekFree, fNbytesFree, nfree, fNbytesName, fUnits, fCompress, fSeekInfo, fNbytesInfo, fUUID
 * (seeks 4 bytes wide, or 8 when the version is ≥ 1000000). Throws `E_IO_MALFORMED` when it is
 * not a ROOT file and `E_IO_TRUNCATED` when the header is cut.
 *
 * @example
 * ```ts
 * const header = parseRootHeader(firstBytes, 'nano_dy.root'); // { version: 61206, begin: 100, … }
 * ```
 */
export function parseRootHeader(bytes: Uint8Array, path: string): RootHeader {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < 4 || magic !== 'root') {
    throw new IoError('E_IO_MALFORMED', `Expected a ROOT file starting with "root", got ${JSON.stringify(magic)} in ${path}`, { path });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) {
    throw new IoError('E_IO_TRUNCATED', `Expected a ROOT header of at least 63 bytes in ${path}, got ${bytes.length}`, { path });
  }
  const raw = view.getInt32(4);
  // Some writers leave a negative version word; ROOT reads it signed, so it is a small-file layout.
  const large = raw >= 1_000_000;
  const version = raw < 0 ? -raw % 1_000_000 : raw % 1_000_000;
  const uuidAt = large ? 57 : 45; // after fSeekInfo/fNbytesInfo; 2 bytes of UUID version first
  if (bytes.length < uuidAt + 18) {
    throw new IoError('E_IO_TRUNCATED', `Expected a ROOT header of ${uuidAt + 18} bytes in ${path}, got ${bytes.length}`, { path });
  }
  const seek = (at: number): number => (large ? Number(view.getBigInt64(at)) : view.getUint32(at));
  const nbytesName = view.getInt32(large ? 36 : 28);
  const header: RootHeader = {
    version,
    versionPatched: raw < 0,
    large,
    begin: view.getInt32(8),
    end: seek(12),
    nbytesName,
    compress: view.getInt32(large ? 41 : 33),
    seekInfo: seek(large ? 45 : 37),
    nbytesInfo: view.getInt32(large ? 53 : 41),
    uuid: hex(bytes.subarray(uuidAt + 2, uuidAt + 18)),
  };
  if (header.begin <= 0 || header.nbytesName <= 0 || header.end < header.begin) {
    throw new IoError('E_IO_MALFORMED', `Expected a ROOT header with fBEGIN > 0, fNbytesName > 0 and fEND ≥ fBEGIN in ` +
      `${path}, got fBEGIN=${header.begin}, fNbytesName=${header.nbytesName}, fEND=${header.end}`, { path });
  }
  return header;
}

