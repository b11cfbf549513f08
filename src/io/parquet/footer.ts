import { createHash } from 'node:crypto';
import { IoError } from '../errors.ts';
import type { FileReader } from './file-reader.ts';
import { decodeFooter, type FooterMetadata } from './footer-metadata.ts';

/** The parsed footer of a Parquet file and a stable identity derived from it. */
export interface ParquetFooter {
  readonly metadata: FooterMetadata;
  /** SHA-256 (hex, first 32 digits) of the footer bytes and the file size. */
  readonly uuid: string;
}

const MAGIC = 0x31524150; // "PAR1", little-endian
const ENCRYPTED_MAGIC = 0x45524150; // "PARE": a file whose footer is encrypted

function describeBytes(bytes: Uint8Array): string {
  const text = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${hex} ("${text}")`;
}

/**
 * Reads and parses the footer of an open Parquet file: only the last 8 bytes, the first 4 and the
 * metadata, never the column data. Anything that is not Parquet rejects with `E_IO_MALFORMED`.
 *
 * @example
 * ```ts
 * const { metadata, uuid } = await readFooter(file);
 * ```
 */
export async function readFooter(file: FileReader): Promise<ParquetFooter> {
  const { path, size } = file;
  if (size < 12) {
    throw new IoError(
      'E_IO_MALFORMED',
      `Expected a Parquet file at ${path} (at least 12 bytes: PAR1, footer length, PAR1), got ${size} bytes`,
      { path },
    );
  }
  const [head, tail] = await file.readRanges([{ start: 0, end: 4 }, { start: size - 8, end: size }], 0);
  const tailView = new DataView(tail!.buffer, tail!.byteOffset, 8);
  const headView = new DataView(head!.buffer, head!.byteOffset, 4);
  if (tailView.getUint32(4, true) === ENCRYPTED_MAGIC && headView.getUint32(0, true) === ENCRYPTED_MAGIC) {
    throw new IoError(
      'E_IO_UNSUPPORTED',
      `Expected an unencrypted Parquet file at ${path}, got one whose footer is encrypted (magic bytes PARE: Parquet ` +
        'modular encryption): cortado cannot decrypt it',
      { path },
    );
  }
  if (tailView.getUint32(4, true) !== MAGIC || headView.getUint32(0, true) !== MAGIC) {
    throw new IoError(
      'E_IO_MALFORMED',
      `Expected a Parquet file at ${path} starting and ending with the magic bytes PAR1, got ` +
        `${describeBytes(head!)} at the start and ${describeBytes(tail!.subarray(4))} at the end ` +
        `(${size} bytes: not Parquet, or truncated)`,
      { path },
    );
  }
  const metadataLength = tailView.getUint32(0, true);
  if (metadataLength + 12 > size) {
    throw new IoError(
      'E_IO_MALFORMED',
      `Expected a Parquet footer of at most ${size - 12} bytes in ${path}, got a footer length of ${metadataLength} ` +
        `(truncated or corrupt file)`,
      { path },
    );
  }
  const footer = await file.read(size - 8 - metadataLength, size);
  let metadata: FooterMetadata;
  try {
    metadata = decodeFooter(footer.subarray(0, metadataLength));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new IoError('E_IO_MALFORMED', `Expected valid Parquet metadata in ${path}, got bytes that do not parse: ${reason}`, {
      path,
    }, { cause });
  }
  const uuid = createHash('sha256').update(footer).update(String(size)).digest('hex').slice(0, 32);
  return { metadata, uuid };
}
