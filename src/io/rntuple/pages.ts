import type { NumericArray } from '../columns.ts';
import { decompressRoot } from '../decompress/index.ts';
import { IoError, type IoErrorCode } from '../errors.ts';
import { hex } from './anchor.ts';
import { xxh3 } from './checksum.ts';
import type { ColumnEncoding } from './column-types.ts';
import { decodePage, pageBytes } from './decode-page.ts';
import type { PageLocation } from './descriptor.ts';
import type { PageSource } from './page-bytes.ts';
import type { ColumnDescriptor } from './schema-frames.ts';

/** Totals of reads, for throughput figures. */
export interface PageStats {
  pages: number;
  /** Decompressed bytes of the pages decoded. */
  bytes: number;
}

/** Where one page is and how to decode it, plus what to name in errors. */
export interface PageRequest {
  readonly column: ColumnDescriptor;
  readonly encoding: ColumnEncoding;
  readonly page: PageLocation;
  /** Decode floats as float64 (the field is `double`). */
  readonly wide: boolean;
  readonly field: string;
  readonly cluster: number;
  readonly index: number;
}

function describe(r: PageRequest): string {
  return `page ${r.index} of column ${r.column.id} (field ${r.field}) in cluster ${r.cluster}`;
}

/**
 * Reads one page: its stored bytes (and the XXH3-64 after them, verified, where the page list
 * says there is one), decompressed through ROOT's block format like TTree baskets, then decoded.
 * A wrong checksum is `E_IO_CHECKSUM`, a corrupt block `E_IO_DECOMPRESS`, both naming the page.
 */
export async function loadPage(bytes: PageSource, r: PageRequest, stats?: PageStats): Promise<NumericArray> {
  const { page, column } = r;
  const stored = page.locator.size;
  const expected = pageBytes(column, page.elements);
  const pending = bytes.read(page.locator.offset, stored + (page.checksum ? 8 : 0), () => describe(r));
  const raw = pending instanceof Uint8Array ? pending : await pending;
  const body = raw.subarray(0, stored);
  if (page.checksum) {
    const want = new DataView(raw.buffer, raw.byteOffset + stored, 8).getBigUint64(0, true);
    const got = xxh3(body);
    if (want !== got) {
      throw new IoError('E_IO_CHECKSUM', `Expected ${describe(r)} to hash to its stored checksum ${hex(want)}, got ` +
        `${hex(got)}: the page is corrupt (${bytes.path})`, { path: bytes.path, branch: r.field });
    }
  }
  let data: Uint8Array;
  try {
    const out = decompressRoot(body, expected);
    data = out instanceof Uint8Array ? out : await out;
  } catch (error) {
    if (error instanceof IoError) {
      throw new IoError(error.code as IoErrorCode, `${error.message} (${describe(r)} of ${bytes.path})`,
        { path: bytes.path, branch: r.field }, { cause: error });
    }
    throw error;
  }
  if (data.length !== expected) {
    throw new IoError('E_IO_MALFORMED', `Expected ${describe(r)} to hold ${expected} bytes for ${page.elements} elements, ` +
      `got ${data.length} (${bytes.path})`, { path: bytes.path, branch: r.field });
  }
  if (stats) {
    stats.pages++;
    stats.bytes += expected;
  }
  return decodePage(data, page.elements, column, r.encoding, r.wide);
}
