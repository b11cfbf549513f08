import type { CompressionCodec, LogicalType, SchemaElement } from 'hyparquet';
import { CompressionCodecs, ConvertedTypes, FieldRepetitionTypes, ParquetTypes } from 'hyparquet/src/constants.js';
import { CompactReader, Wire } from './thrift.ts';

/** What cortado reads of a column chunk's metadata (hyparquet's `ColumnMetaData` has it too). */
export interface ChunkMetadata {
  readonly path_in_schema: readonly string[];
  readonly codec: CompressionCodec | undefined;
  readonly num_values: number | bigint;
  readonly total_compressed_size: number | bigint;
  readonly data_page_offset: number | bigint;
  readonly dictionary_page_offset?: number | bigint | undefined;
}

/** What cortado reads of a column chunk: its metadata, and the file it lies in when that is another one. */
export interface ChunkReference {
  readonly file_path?: string | undefined;
  readonly meta_data?: ChunkMetadata | undefined;
  /** Set when the chunk is encrypted (its `crypto_metadata` or `encrypted_column_metadata` is there). */
  readonly encrypted?: true | undefined;
}

/** What cortado reads of a row group. */
export interface RowGroupMetadata {
  readonly columns: readonly ChunkReference[];
  readonly num_rows: number | bigint;
}

/**
 * What cortado reads of a Parquet footer: hyparquet's `FileMetaData` narrowed to those fields, so
 * that either parser's result can be described.
 */
export interface FooterMetadata {
  readonly schema: SchemaElement[];
  readonly num_rows: number | bigint;
  readonly row_groups: readonly RowGroupMetadata[];
}

// LogicalType's union members by field id, as hyparquet names them (INTEGER, 10, is read apart).
const LOGICAL_TYPES: Record<number, LogicalType['type']> = {
  1: 'STRING', 2: 'MAP', 3: 'LIST', 4: 'ENUM', 5: 'DECIMAL', 6: 'DATE', 7: 'TIME', 8: 'TIMESTAMP',
  11: 'NULL', 12: 'JSON', 13: 'BSON', 14: 'UUID', 15: 'FLOAT16', 16: 'VARIANT', 17: 'GEOMETRY', 18: 'GEOGRAPHY',
};

/**
 * Decodes the Thrift `FileMetaData` of a Parquet footer (the bytes before its length and `PAR1`),
 * keeping only the fields of {@link FooterMetadata}: the same values as hyparquet's
 * `parquetMetadata` for those, numbers instead of bigints. Skipping the rest (statistics above
 * all) without building objects makes a 1,500-column NanoAOD footer several times cheaper.
 * Throws `ThriftError` on bytes that do not decode or lack a required field.
 *
 * @example
 * ```ts
 * const metadata = decodeFooter(bytes.subarray(0, bytes.length - 8));
 * ```
 */
export function decodeFooter(bytes: Uint8Array): FooterMetadata {
  const r: CompactReader = new CompactReader(bytes);
  let schema: SchemaElement[] | undefined;
  let rows: number | undefined;
  let groups: RowGroupMetadata[] | undefined;
  for (let id = r.field(0); id >= 0; id = r.field(id)) {
    if (id === 2) {
      r.expect(Wire.List, 'FileMetaData.schema');
      schema = listOf(r, 'FileMetaData.schema', schemaElement);
    } else if (id === 3) {
      rows = r.int('FileMetaData.num_rows');
    } else if (id === 4) {
      r.expect(Wire.List, 'FileMetaData.row_groups');
      groups = listOf(r, 'FileMetaData.row_groups', rowGroup);
    } else {
      r.skip();
    }
  }
  if (schema === undefined || rows === undefined || groups === undefined) r.fail('Expected FileMetaData with schema, num_rows and row_groups');
  return { schema, num_rows: rows, row_groups: groups };
}

/** The elements of a list of structs, each read by `read`. */
function listOf<T>(r: CompactReader, what: string, read: (r: CompactReader) => T): T[] {
  const n = r.elements(Wire.Struct, `the elements of ${what}`);
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = read(r);
  return out;
}

function schemaElement(r: CompactReader): SchemaElement {
  let type: number | undefined;
  let repetition: number | undefined;
  let name: string | undefined;
  let children: number | undefined;
  let converted: number | undefined;
  let logical: LogicalType | undefined;
  for (let id = r.field(0); id >= 0; id = r.field(id)) {
    switch (id) {
      case 1:
        type = r.int('SchemaElement.type');
        break;
      case 3:
        repetition = r.int('SchemaElement.repetition_type');
        break;
      case 4:
        r.expect(Wire.Binary, 'SchemaElement.name');
        name = r.string();
        break;
      case 5:
        children = r.int('SchemaElement.num_children');
        break;
      case 6:
        converted = r.int('SchemaElement.converted_type');
        break;
      case 10:
        r.expect(Wire.Struct, 'SchemaElement.logicalType');
        logical = logicalType(r);
        break;
      default:
        r.skip();
    }
  }
  if (name === undefined) r.fail('Expected a SchemaElement with a name');
  // hyparquet's element shape (absent fields undefined), which `exactOptionalPropertyTypes` cannot state.
  return {
    type: type === undefined ? undefined : ParquetTypes[type],
    repetition_type: repetition === undefined ? undefined : FieldRepetitionTypes[repetition],
    name,
    num_children: children,
    converted_type: converted === undefined ? undefined : ConvertedTypes[converted],
    logical_type: logical,
  } as SchemaElement;
}

/** The LogicalType union: its member's name, and for INTEGER its width and sign. */
function logicalType(r: CompactReader): LogicalType | undefined {
  let logical: LogicalType | undefined;
  for (let id = r.field(0); id >= 0; id = r.field(id)) {
    if (id === 10) {
      r.expect(Wire.Struct, 'LogicalType.INTEGER');
      logical = integerType(r);
    } else {
      if (LOGICAL_TYPES[id] !== undefined) logical ??= { type: LOGICAL_TYPES[id] } as LogicalType;
      r.skip();
    }
  }
  return logical;
}

function integerType(r: CompactReader): LogicalType {
  let bitWidth: number | undefined;
  let isSigned: boolean | undefined;
  for (let id = r.field(0); id >= 0; id = r.field(id)) {
    if (id === 1) {
      bitWidth = r.int('IntType.bitWidth');
    } else if (id === 2) {
      r.expect(Wire.True, 'IntType.isSigned');
      isSigned = r.bool();
    } else {
      r.skip();
    }
  }
  if (bitWidth === undefined || isSigned === undefined) r.fail('Expected an IntType with bitWidth and isSigned');
  return { type: 'INTEGER', bitWidth, isSigned };
}

function rowGroup(r: CompactReader): RowGroupMetadata {
  let columns: ChunkReference[] | undefined;
  let rows: number | undefined;
  for (let id = r.field(0); id >= 0; id = r.field(id)) {
    if (id === 1) {
      r.expect(Wire.List, 'RowGroup.columns');
      columns = listOf(r, 'RowGroup.columns', columnChunk);
    } else if (id === 3) {
      rows = r.int('RowGroup.num_rows');
    } else {
      r.skip();
    }
  }
  if (columns === undefined || rows === undefined) r.fail('Expected a RowGroup with columns and num_rows');
  return { columns, num_rows: rows };
}

function columnChunk(r: CompactReader): ChunkReference {
  let path: string | undefined;
  let meta: ChunkMetadata | undefined;
  let encrypted = false;
  for (let id = r.field(0); id >= 0; id = r.field(id)) {
    if (id === 1) {
      r.expect(Wire.Binary, 'ColumnChunk.file_path');
      path = r.string();
    } else if (id === 3) {
      r.expect(Wire.Struct, 'ColumnChunk.meta_data');
      meta = columnMetadata(r);
    } else {
      // 8, 9: crypto_metadata, encrypted_column_metadata. A file with a plaintext footer keeps its
      // encrypted columns' offsets readable; their pages are ciphertext.
      if (id === 8 || id === 9) encrypted = true;
      r.skip();
    }
  }
  // Set only in a dataset's _metadata summary (pyarrow's write_metadata), whose chunks lie in other files.
  const chunk: ChunkReference = path === undefined ? { meta_data: meta } : { file_path: path, meta_data: meta };
  return encrypted ? { ...chunk, encrypted: true } : chunk;
}

function columnMetadata(r: CompactReader): ChunkMetadata {
  let path: string[] | undefined;
  let codec: number | undefined;
  let values: number | undefined;
  let compressed: number | undefined;
  let data: number | undefined;
  let dictionary: number | undefined;
  for (let id = r.field(0); id >= 0; id = r.field(id)) {
    switch (id) {
      case 3: {
        r.expect(Wire.List, 'ColumnMetaData.path_in_schema');
        const n = r.elements(Wire.Binary, 'the elements of ColumnMetaData.path_in_schema');
        path = new Array<string>(n);
        for (let i = 0; i < n; i++) path[i] = r.string();
        break;
      }
      case 4:
        codec = r.int('ColumnMetaData.codec');
        break;
      case 5:
        values = r.int('ColumnMetaData.num_values');
        break;
      case 7:
        compressed = r.int('ColumnMetaData.total_compressed_size');
        break;
      case 9:
        data = r.int('ColumnMetaData.data_page_offset');
        break;
      case 11:
        dictionary = r.int('ColumnMetaData.dictionary_page_offset');
        break;
      default:
        r.skip();
    }
  }
  if (path === undefined || codec === undefined || values === undefined || compressed === undefined || data === undefined) {
    r.fail('Expected a ColumnMetaData with path_in_schema, codec, num_values, total_compressed_size and data_page_offset');
  }
  return {
    path_in_schema: path,
    codec: CompressionCodecs[codec],
    num_values: values,
    total_compressed_size: compressed,
    data_page_offset: data,
    dictionary_page_offset: dictionary,
  };
}
