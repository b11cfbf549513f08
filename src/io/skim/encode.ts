import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { writeColumn } from 'hyparquet-writer/src/column.js';
import { isJagged, type Column, type NumericArray } from '../columns.ts';
import type { ColumnKind } from '../source.ts';
import { SkimError } from './errors.ts';
import { shredList } from '../parquet/shred-list.ts';

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
}

type ColumnEncoder = Parameters<typeof writeColumn>[0]['column'];

/** Page size of large columns. */
const PAGE_BYTES = 1 << 20;

function valuesBytes(column: Column): number {
  return isJagged(column) ? column.values.byteLength + 2 * column.offsets.length : column.byteLength;
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

/** Values as the writer's PLAIN encoder takes them: booleans, signed 32/64-bit patterns for unsigned types. */
function plainValues(values: NumericArray, kind: ColumnKind): ArrayLike<number | bigint | boolean> {
  switch (kind) {
    case 'bool':
      return Array.from(values as Uint8Array, (v) => v !== 0);
    case 'uint32':
      return new Int32Array(values.buffer, values.byteOffset, values.length);
    case 'uint64':
      return new BigInt64Array(values.buffer, values.byteOffset, values.length);
    default:
      return values;
  }
}

/**
 * Encodes `rows` events of `columns` as one Parquet file (one row group) in memory. Flat columns
 * become REQUIRED leaves, jagged ones LIST columns; integer widths and signs are kept with
 * converted-type annotations (UINT_8 …) and booleans are BOOLEAN, so readers (cortado, pyarrow, polars) see the
 * types the source had. Writes the column chunks with hyparquet-writer's column encoder from the
 * typed arrays (its row-wise `write()` shreds one JS array per row and list).
 *
 * @example
 * ```ts
 * const bytes = encodeParquet(2, [{ name: 'nMuon', kind: 'uint32', column: Uint32Array.of(0, 2) }], { codec: 'SNAPPY' });
 * ```
 */
export function encodeParquet(rows: number, columns: readonly SkimColumn[], options: EncodeParquetOptions): Uint8Array {
  const schema = schemaOf(columns);
  const writer = new ByteWriter();
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
  let schemaIndex = 1;
  for (const { name, column, kind } of columns) {
    const jagged = isJagged(column);
    const width = jagged ? 3 : 1;
    const schemaPath = [schema[0]!, ...schema.slice(schemaIndex, schemaIndex + width)];
    schemaIndex += width;
    const length = jagged ? column.offsets.length - 1 : column.length;
    if (length !== rows) throw new RangeError(`Expected column ${name} to hold ${rows} events, got ${length}`);
    const encoder: ColumnEncoder = {
      columnName: jagged ? `${name}.list.item` : name,
      element: schemaPath[schemaPath.length - 1]!,
      schemaPath,
      codec: codec as ColumnEncoder['codec'],
      compressors: compress === undefined ? {} : { [codec]: compress },
      stats: false,
      // One page when the column is under a megabyte (the usual skim chunk): the writer then skips
      // sizing every value to find page boundaries.
      pageSize: valuesBytes(column) <= PAGE_BYTES ? 0 : PAGE_BYTES,
      columnIndex: false,
      offsetIndex: true,
      encoding: 'PLAIN',
    };
    const pageData = jagged
      ? shredList(plainValues(column.values, kind), column.offsets, rows)
      : { values: plainValues(column, kind), definitionLevels: [], repetitionLevels: [], maxDefinitionLevel: 0 };
    const result = writeColumn({ writer, column: encoder, pageData: pageData as Parameters<typeof writeColumn>[0]['pageData'] });
    chunks.push(result.chunk);
    pq.pendingIndexes.push(result);
  }
  let uncompressed = 0n;
  for (const chunk of chunks) uncompressed += chunk.meta_data?.total_uncompressed_size ?? 0n;
  pq.num_rows = BigInt(rows);
  pq.row_groups.push({ columns: chunks, total_byte_size: uncompressed, num_rows: BigInt(rows), total_compressed_size: BigInt(writer.offset - start) });
  void pq.finish();
  return new Uint8Array(writer.getBuffer());
}
