import type { ColumnChunk, CompressionCodec, OffsetIndex } from 'hyparquet';
import { isJagged, type Column } from '../../columns.ts';
import { writeDataPage, type PageCompress, type Writer } from './data-page.ts';
import { LevelsMemo } from './levels.ts';
import { plainBytes, plainWidth, type PhysicalType } from './plain.ts';

/** A column chunk written by {@link writeColumnChunk}, as the footer and the page index want it. */
export interface WrittenChunk {
  readonly chunk: ColumnChunk;
  /** Page locations, when the column took more than one page. */
  readonly offsetIndex?: OffsetIndex;
}

/**
 * Appends the column chunk of `column` (flat: a REQUIRED leaf; jagged: a one-level LIST) to
 * `writer` as PLAIN DATA_PAGE_V2 pages of about `pageBytes` each, split at row boundaries, and
 * returns its metadata. Values go from the typed arrays to the page in one copy or none
 * ({@link plainBytes}); list levels are encoded straight from the offsets, once per distinct
 * offsets in `memo` ({@link LevelsMemo}).
 * No statistics (optional in the format; readers of skims scan them whole).
 *
 * @example
 * ```ts
 * const { chunk } = writeColumnChunk(writer, { path: ['MET_pt'], column: met, type: 'FLOAT', codec: 'ZSTD', compress }, 1 << 20);
 * ```
 */
export function writeColumnChunk(
  writer: Writer,
  spec: { path: readonly string[]; column: Column; type: PhysicalType; codec: CompressionCodec; compress: PageCompress },
  pageBytes: number,
  memo: LevelsMemo = new LevelsMemo(),
): WrittenChunk {
  const { column, type, compress } = spec;
  const jagged = isJagged(column);
  const values = jagged ? column.values : column;
  const rows = jagged ? column.offsets.length - 1 : column.length;
  const width = plainWidth(type);
  const pages = Math.max(1, Math.ceil((values.length * width) / pageBytes));
  const rowsPerPage = Math.max(1, Math.ceil(rows / pages));
  const start = writer.offset;
  const locations: OffsetIndex['page_locations'] = [];
  let uncompressed = 0;
  let levelCount = 0;
  const pageCount = rows === 0 ? 1 : Math.ceil(rows / rowsPerPage);
  for (let p = 0; p < pageCount; p++) {
    const from = p * rowsPerPage;
    const to = Math.min(rows, from + rowsPerPage);
    const levels = jagged ? memo.levels(column.offsets, from, to) : undefined;
    const [first, last] = jagged ? [column.offsets[from]!, column.offsets[to]!] : [from, to];
    const page = writeDataPage(writer, { rows: to - from, values: plainBytes(values, type, first, last), levels }, compress);
    locations.push({ offset: BigInt(page.offset), compressed_page_size: page.compressedSize, first_row_index: BigInt(from) });
    uncompressed += page.uncompressedSize;
    levelCount += levels?.count ?? to - from;
  }
  const chunk: ColumnChunk = {
    file_offset: BigInt(start),
    meta_data: {
      type,
      encodings: jagged ? ['PLAIN', 'RLE'] : ['PLAIN'],
      path_in_schema: [...spec.path],
      codec: spec.codec,
      num_values: BigInt(levelCount),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(writer.offset - start),
      data_page_offset: BigInt(start),
    },
  };
  return locations.length > 1 ? { chunk, offsetIndex: { page_locations: locations } } : { chunk };
}
