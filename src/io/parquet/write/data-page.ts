import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import type { ListLevels } from './levels.ts';

/** hyparquet-writer's output buffer (`ByteWriter`). */
export type Writer = Parameters<typeof writePageHeader>[0];

/** Compresses a page's values; undefined for UNCOMPRESSED. */
export type PageCompress = ((bytes: Uint8Array) => Uint8Array) | undefined;

/** What {@link writeDataPage} wrote. */
export interface WrittenPage {
  /** Offset of the page header in the file. */
  readonly offset: number;
  /** Bytes on disk (header, levels, values). */
  readonly compressedSize: number;
  /** Bytes once decompressed (header, levels, values). */
  readonly uncompressedSize: number;
}

/**
 * Appends one DATA_PAGE_V2 to `writer`: header, then the levels (never compressed in V2), then the
 * PLAIN `values`, compressed with `compress`. A page whose values do not shrink is stored as it
 * is and marked `is_compressed: false` (DATA_PAGE_V2 lets each page say so; pyarrow, polars,
 * hyparquet and cortado honour it), which saves readers the decompression too.
 *
 * @example
 * ```ts
 * writeDataPage(writer, { rows: 2, values: plainBytes(Float32Array.of(1, 2), 'FLOAT', 0, 2) }, undefined);
 * ```
 */
export function writeDataPage(
  writer: Writer,
  page: { rows: number; values: Uint8Array; encoding?: 'PLAIN'; levels?: ListLevels | undefined },
  compress: PageCompress,
): WrittenPage {
  const { rows, values, levels } = page;
  const compressed = compress?.(values);
  const stored = compressed !== undefined && compressed.length < values.length ? compressed : values;
  const repetition = levels?.repetition.length ?? 0;
  const definition = levels?.definition.length ?? 0;
  const offset = writer.offset;
  writePageHeader(writer, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: repetition + definition + values.length,
    compressed_page_size: repetition + definition + stored.length,
    data_page_header_v2: {
      num_values: levels?.count ?? rows,
      num_nulls: levels?.empty ?? 0,
      num_rows: rows,
      encoding: 'PLAIN',
      definition_levels_byte_length: definition,
      repetition_levels_byte_length: repetition,
      is_compressed: stored !== values,
    },
  });
  const header = writer.offset - offset;
  if (levels !== undefined) {
    writer.appendBytes(levels.repetition);
    writer.appendBytes(levels.definition);
  }
  writer.appendBytes(stored);
  return { offset, compressedSize: writer.offset - offset, uncompressedSize: header + repetition + definition + values.length };
}
