import { endianness } from 'node:os';
import type { NumericArray } from '../../columns.ts';
import type { ColumnKind } from '../../source.ts';

const LITTLE_ENDIAN = endianness() === 'LE';

/** The Parquet physical type a column kind is stored as. */
export type PhysicalType = 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE';

/** The physical type of `kind`: narrow integers widen to INT32, unsigned ones keep their bit pattern. */
export function physicalTypeOf(kind: ColumnKind): PhysicalType {
  switch (kind) {
    case 'bool':
      return 'BOOLEAN';
    case 'float32':
      return 'FLOAT';
    case 'float64':
      return 'DOUBLE';
    case 'int64':
    case 'uint64':
      return 'INT64';
    default:
      return 'INT32';
  }
}

/** Bytes one value takes in a PLAIN page (booleans: one bit, rounded up here). */
export function plainWidth(type: PhysicalType): number {
  return type === 'BOOLEAN' ? 1 : type === 'INT64' || type === 'DOUBLE' ? 8 : 4;
}

const ARRAYS = {
  INT32: Int32Array,
  INT64: BigInt64Array,
  FLOAT: Float32Array,
  DOUBLE: Float64Array,
} as const;

/**
 * The PLAIN encoding of `values[start, stop)` as `type`. Parquet's PLAIN is the little-endian bytes
 * of the values, so when the array already holds the physical width (float32 → FLOAT, int32 and
 * uint32 → INT32, int64 and uint64 → INT64) this is a view of its memory, no copy; narrow integers
 * widen to INT32 in one typed-array copy; booleans (non-zero bytes) are bit-packed, LSB first.
 *
 * @example
 * ```ts
 * plainBytes(Float32Array.of(1, 2), 'FLOAT', 0, 2); // the 8 bytes of the array, as a view
 * plainBytes(Uint8Array.of(1, 0, 1), 'BOOLEAN', 0, 3); // Uint8Array [0b101]
 * ```
 */
export function plainBytes(values: NumericArray, type: PhysicalType, start: number, stop: number): Uint8Array {
  if (type === 'BOOLEAN') return packBooleans(values, start, stop);
  const slice = values.subarray(start, stop);
  const Target = ARRAYS[type];
  const is64 = type === 'INT64';
  if (is64 !== (slice instanceof BigInt64Array || slice instanceof BigUint64Array)) {
    throw new TypeError(`Expected ${is64 ? 'a BigInt64Array or BigUint64Array' : 'a number array'} for a Parquet ${type} column, got ${slice.constructor.name}`);
  }
  const sameBits =
    slice instanceof Target ||
    (type === 'INT32' && slice instanceof Uint32Array) ||
    (type === 'INT64' && slice instanceof BigUint64Array);
  let typed: NumericArray;
  if (sameBits) typed = slice;
  else {
    const widened = new (Target as Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor)(slice.length);
    widened.set(slice as ArrayLike<number>);
    typed = widened;
  }
  if (LITTLE_ENDIAN) return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  return toLittleEndian(typed);
}

function packBooleans(values: NumericArray, start: number, stop: number): Uint8Array {
  const bytes = new Uint8Array((stop - start + 7) >>> 3);
  for (let i = start; i < stop; i++) if (values[i] != 0) bytes[(i - start) >>> 3]! |= 1 << ((i - start) & 7);
  return bytes;
}

/** Byte-swaps on a big-endian machine (none that Node ships for today, but never write wrong bytes). */
function toLittleEndian(typed: NumericArray): Uint8Array {
  const width = typed.BYTES_PER_ELEMENT;
  const source = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  const out = new Uint8Array(source.length);
  for (let i = 0; i < source.length; i += width) for (let b = 0; b < width; b++) out[i + b] = source[i + width - 1 - b]!;
  return out;
}
