// The types a column chunk is decoded into, shared by the page decoder (decode-chunk.ts) and the
// row selection (select-rows.ts).
import type { LevelTarget } from './level-bits.ts';
import type { PhysicalType } from './schema.ts';

/** Raw values of one physical type, before the logical type (uint8, uint32 …) is applied. */
export type RawArray = Uint8Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/** A decoded column chunk restricted to rows `[selectStart, selectEnd)` of its row group. */
export interface DecodedChunk {
  /**
   * Values of the selected rows, physical type, in a buffer of their own (for a list column read
   * from its chunk's first row, a view of the start of it: no copy).
   */
  readonly values: RawArray;
  /** For list columns: `rows + 1` offsets into `values`. */
  readonly offsets?: Int32Array;
  /** When asked for: 1 where `values` holds a value, 0 where it holds a null's fill (NaN/0/false). */
  readonly valid?: Uint8Array;
  /** When asked for, list columns only: per row, 0 where the list itself is null (read as empty). */
  readonly validRows?: Uint8Array;
}

/** A failure to decode page data: the caller turns it into an `IoError` with the file's path. */
export class ChunkDecodeError extends Error {
  readonly kind: 'malformed' | 'decompress' | 'unsupported';
  constructor(kind: 'malformed' | 'decompress' | 'unsupported', message: string, options?: { cause: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/** Bytes per value of each fixed-width physical type. */
export const WIDTH: Record<Exclude<PhysicalType, 'BOOLEAN'>, number> = { INT32: 4, INT64: 8, FLOAT: 4, DOUBLE: 8 };

/** A zeroed array of `n` raw values of a physical type. */
export function allocRaw(physical: PhysicalType, n: number): RawArray {
  switch (physical) {
    case 'BOOLEAN':
      return new Uint8Array(n);
    case 'INT32':
      return new Int32Array(n);
    case 'INT64':
      return new BigInt64Array(n);
    case 'FLOAT':
      return new Float32Array(n);
    case 'DOUBLE':
      return new Float64Array(n);
  }
}

/** Mutable state of a chunk being decoded page by page (see `decodeChunk`). */
export interface ChunkState {
  /** Empty until the first page's values: then a chunk-sized array, or the only page's own bytes. */
  values: RawArray;
  /** Values the chunk holds at most (its metadata's value count). */
  readonly total: number;
  valueCount: number;
  /** Lists: bit i set where level i opens a row (repetition level 0). */
  starts: Int32Array | undefined;
  /** Optional and list columns: bit i set where level i holds a value (definition level = max). */
  present: Int32Array | undefined;
  /** Lists: bit i set where level i is an item, a value or a null one (`present` where items cannot be null). */
  element: Int32Array | undefined;
  /** Lists read with validity: bit i set where the list of level i's row is not null (undefined: never null). */
  listExists: Int32Array | undefined;
  readonly repTargets: readonly LevelTarget[];
  readonly defTargets: readonly LevelTarget[];
  levelCount: number;
  dictionary: RawArray | undefined;
}

/**
 * A view that copies values bit for bit: float32 values move through their int32 bits, because a
 * float32 read widens to a double, which quiets a signalling NaN and so alters its payload. The
 * cast to Float64Array only tells TypeScript that elements are assigned between same-typed arrays.
 */
export function bitsOf(values: RawArray): Float64Array {
  if (values instanceof Float32Array) return new Int32Array(values.buffer, values.byteOffset, values.length) as unknown as Float64Array;
  return values as Float64Array;
}
