import type { Cursor } from './cursor.ts';
import { readList, readRecord } from './frames.ts';

/** Structural roles of a field (RNTuple 1.0). */
export const ROLE = { leaf: 0, collection: 1, record: 2, variant: 3, streamer: 4 } as const;

const FIELD_REPETITIVE = 0x01;
const FIELD_PROJECTED = 0x02;
const FIELD_CHECKSUM = 0x04;
const COLUMN_DEFERRED = 0x01;
const COLUMN_RANGE = 0x02;

/** A field of the schema: a named, typed node; top-level fields are their own parents. */
export interface FieldDescriptor {
  readonly id: number;
  readonly fieldVersion: number;
  readonly typeVersion: number;
  readonly parentId: number;
  readonly role: number;
  readonly name: string;
  readonly typeName: string;
  readonly typeAlias: string;
  /** For fixed-size arrays (`std::array<float, 3>`): the number of items. */
  readonly arraySize?: number;
  /** For projected fields (an alias of another field's data): the source field. */
  readonly sourceId?: number;
}

/** A physical column: the stored values of one field in one representation. */
export interface ColumnDescriptor {
  readonly id: number;
  readonly type: number;
  readonly bitsOnStorage: number;
  readonly fieldId: number;
  readonly representationIndex: number;
  /** For columns added by a schema extension: the first element that is stored (earlier ones read as zero). */
  readonly firstElement: number;
  /** `Real32Quant` only: the range the quantized integers map onto. */
  readonly min?: number;
  readonly max?: number;
}

/** A projected field's column: a logical id that reads physical column `physicalId`. */
export interface AliasColumn {
  readonly physicalId: number;
  readonly fieldId: number;
}

/** Fields and columns of a schema description (the header's, or its extension in the footer). */
export interface SchemaPart {
  readonly fields: FieldDescriptor[];
  readonly columns: ColumnDescriptor[];
  readonly aliases: AliasColumn[];
}

/**
 * Reads the four list frames of a schema description (fields, columns, alias columns, extra
 * type information), numbering fields and columns on from `firstField` and `firstColumn` (a
 * schema extension continues the header's numbering).
 */
export function readSchemaPart(cur: Cursor, firstField: number, firstColumn: number): SchemaPart {
  const fields = readList(cur, 'the field list', (c, i) => readRecord(c, `field ${firstField + i}`, (r) => {
    const fieldVersion = r.u32();
    const typeVersion = r.u32();
    const parentId = r.u32();
    const role = r.u16();
    const flags = r.u16();
    const name = r.string('a field name');
    const typeName = r.string('a type name');
    const typeAlias = r.string('a type alias');
    r.string('a field description');
    const field: { -readonly [K in keyof FieldDescriptor]: FieldDescriptor[K] } = {
      id: firstField + i, fieldVersion, typeVersion, parentId, role, name, typeName, typeAlias,
    };
    if (flags & FIELD_REPETITIVE) field.arraySize = r.u64('an array size');
    if (flags & FIELD_PROJECTED) field.sourceId = r.u32();
    if (flags & FIELD_CHECKSUM) r.u32();
    return field as FieldDescriptor;
  }));
  const columns = readList(cur, 'the column list', (c, i) => readRecord(c, `column ${firstColumn + i}`, (r) => {
    const type = r.u16();
    const bitsOnStorage = r.u16();
    const fieldId = r.u32();
    const flags = r.u16();
    const representationIndex = r.u16();
    const column: { -readonly [K in keyof ColumnDescriptor]: ColumnDescriptor[K] } = {
      id: firstColumn + i, type, bitsOnStorage, fieldId, representationIndex, firstElement: 0,
    };
    if (flags & COLUMN_DEFERRED) column.firstElement = r.i64('a first element index');
    if (flags & COLUMN_RANGE) {
      column.min = r.f64();
      column.max = r.f64();
    }
    return column as ColumnDescriptor;
  }));
  const aliases = readList(cur, 'the alias column list', (c, i) => readRecord(c, `alias column ${i}`, (r) => ({
    physicalId: r.u32(), fieldId: r.u32(),
  })));
  readList(cur, 'the extra type information list', (c, i) => readRecord(c, `extra type information ${i}`, () => undefined));
  return { fields, columns, aliases };
}
