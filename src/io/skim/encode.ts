import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { isJagged, type Column, type NumericArray } from '../columns.ts';
import { writeColumnChunk } from '../parquet/write/column-chunk.ts';
import { LevelsMemo } from '../parquet/write/levels.ts';
import { physicalTypeOf } from '../parquet/write/plain.ts';
import type { ColumnKind } from '../source.ts';
import { SkimError } from './errors.ts';

/** A column to write: its name, its values for the selected events, and its stored type. */
export interface SkimColumn {
  readonly name: string;
  readonly column: Column;
  readonly kind: ColumnKind;
}

/** Page compressor for a Parquet codec (`ZSTD`, `GZIP`, …); SNAPPY and UNCOMPRESSED need none. */
export type PageCompressor = (bytes: Uint8Array) => Uint8Array;

/** Options of {@link encodeParquet}. */
export interface EncodeParquetOptions {
  /** Parquet codec name as the format spells it. */
  readonly codec: 'ZSTD' | 'SNAPPY' | 'GZIP' | 'LZ4_RAW' | 'UNCOMPRESSED';
  /** The compressor for `codec` (hyparquet-writer ships only SNAPPY). */
  readonly compress?: PageCompressor | undefined;
  /** Key/value metadata stored in the footer (provenance). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Bytes of values per page: larger columns are split into pages at row boundaries. @defaultValue 1 MiB */
  readonly pageBytes?: number;
}

/** Page size of large columns: a column under it (the usual skim chunk) is one page. */
const PAGE_BYTES = 1 << 20;

function valuesBytes(column: Column): number {
  return isJagged(column) ? column.values.byteLength + 4 * column.offsets.length : column.byteLength;
}

/** The kind of an in-memory array when the file's own type is not known (booleans are then uint8). */
export function kindOfArray(values: NumericArray): ColumnKind {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint32Array) return 'uint32';
  if (values instanceof Int16Array) return 'int16';
  if (values instanceof Uint16Array) return 'uint16';
  if (values instanceof Int8Array) return 'int8';
  if (values instanceof Uint8Array) return 'uint8';
  if (values instanceof BigInt64Array) return 'int64';
  return 'uint64';
}

/** The leaf schema element of `kind`: physical type plus the converted type that keeps width and sign. */
function leafElement(name: string, kind: ColumnKind): SchemaElement {
  // The legacy converted type only: hyparquet-writer 0.17 writes the INTEGER logical type's
  // bitWidth as a thrift i32 where the format says i8, and pyarrow then refuses the whole footer
  // ("Couldn't deserialize thrift"). Readers map UINT_8 … UINT_64 to the same types.
  const int = (bitWidth: number, converted: NonNullable<SchemaElement['converted_type']>): SchemaElement => ({
    name,
    type: bitWidth === 64 ? 'INT64' : 'INT32',
    repetition_type: 'REQUIRED',
    converted_type: converted,
  });
  switch (kind) {
    case 'bool':
      return { name, type: 'BOOLEAN', repetition_type: 'REQUIRED' };
    case 'float32':
      return { name, type: 'FLOAT', repetition_type: 'REQUIRED' };
    case 'float64':
      return { name, type: 'DOUBLE', repetition_type: 'REQUIRED' };
    case 'int8':
      return int(8, 'INT_8');
    case 'uint8':
      return int(8, 'UINT_8');
    case 'int16':
      return int(16, 'INT_16');
    case 'uint16':
      return int(16, 'UINT_16');
    case 'int32':
      return { name, type: 'INT32', repetition_type: 'REQUIRED' };
    case 'uint32':
      return int(32, 'UINT_32');
    case 'int64':
      return { name, type: 'INT64', repetition_type: 'REQUIRED' };
    case 'uint64':
      return int(64, 'UINT_64');
  }
}

/** Flat columns are REQUIRED leaves; jagged ones 3-level LISTs (`name.list.item`), as pyarrow writes them. */
function schemaOf(columns: readonly SkimColumn[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  for (const { name, column, kind } of columns) {
    if (!isJagged(column)) {
      schema.push(leafElement(name, kind));
      continue;
    }
    schema.push(
      { name, repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      leafElement('item', kind),
    );
  }
  return schema;
}

/**
 * Encodes `rows` events of `columns` as one Parquet file (one row group) in memory. Flat columns
 * become REQUIRED leaves, jagged ones LIST columns; integer widths and signs are kept with
 * converted-type annotations (UINT_8 …) and booleans are BOOLEAN, so readers (cortado, pyarrow, polars) see the
 * types the source had. The column chunks are PLAIN pages written straight from the typed arrays
 * ({@link writeColumnChunk}: hyparquet-writer's encoders loop over every value, and over a JS
 * array per list); hyparquet-writer writes the file's frame and footer.
 *
 * @example
 * ```ts
 * const bytes = encodeParquet(2, [{ name: 'nMuon', kind: 'uint32', column: Uint32Array.of(0, 2) }], { codec: 'SNAPPY' });
 * ```
 */
export function encodeParquet(rows: number, columns: readonly SkimColumn[], options: EncodeParquetOptions): Uint8Array {
  const schema = schemaOf(columns);
  let bytes = 4096;
  for (const { column } of columns) bytes += valuesBytes(column);
  const writer = new ByteWriter(bytes);
  const pq = new ParquetWriter({
    writer,
    schema,
    codec: 'SNAPPY',
    statistics: false,
    createdBy: 'cortado skim',
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  const codec = options.codec;
  const compress = codec === 'SNAPPY' ? pq.compressors.SNAPPY : options.compress;
  if (codec !== 'UNCOMPRESSED' && compress === undefined) {
    throw new SkimError('E_SKIM_FORMAT', `No compressor for Parquet codec ${codec} in this process; expected one of ZSTD, SNAPPY, GZIP or UNCOMPRESSED`);
  }
  const start = writer.offset;
  const chunks = [];
  const memo = new LevelsMemo();
  for (const { name, column, kind } of columns) {
    const jagged = isJagged(column);
    const length = jagged ? column.offsets.length - 1 : column.length;
    if (length !== rows) throw new RangeError(`Expected column ${name} to hold ${rows} events, got ${length}`);
    let written: ReturnType<typeof writeColumnChunk>;
    try {
      written = writeColumnChunk(
        writer,
        { path: jagged ? [name, 'list', 'item'] : [name], column, type: physicalTypeOf(kind), codec, compress: codec === 'UNCOMPRESSED' ? undefined : compress },
        options.pageBytes ?? PAGE_BYTES,
        memo,
      );
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new SkimError('E_SKIM_SELECTION', `Cannot write column ${name} as ${kind}: ${error.message}`, { cause: error });
    }
    chunks.push(written.chunk);
    pq.pendingIndexes.push(written);
  }
  let uncompressed = 0n;
  for (const chunk of chunks) uncompressed += chunk.meta_data?.total_uncompressed_size ?? 0n;
  pq.num_rows = BigInt(rows);
  pq.row_groups.push({ columns: chunks, total_byte_size: uncompressed, num_rows: BigInt(rows), total_compressed_size: BigInt(writer.offset - start) });
  void pq.finish();
  return writer.getBytes();
}
