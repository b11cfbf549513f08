import type { NumericArray } from '../columns.ts';
import type { ColumnKind } from '../source.ts';

/** A typed-array constructor for one column kind. */
export type NumericArrayConstructor = new (length: number) => NumericArray;

/** How a column kind is stored: bytes per value on disk and in memory, and its typed array. */
export interface KindCodec {
  readonly size: 1 | 2 | 4 | 8;
  readonly ctor: NumericArrayConstructor;
}

/** Storage of each column kind. */
export const KIND_CODECS: Readonly<Record<ColumnKind, KindCodec>> = {
  bool: { size: 1, ctor: Uint8Array },
  int8: { size: 1, ctor: Int8Array },
  uint8: { size: 1, ctor: Uint8Array },
  int16: { size: 2, ctor: Int16Array },
  uint16: { size: 2, ctor: Uint16Array },
  int32: { size: 4, ctor: Int32Array },
  uint32: { size: 4, ctor: Uint32Array },
  int64: { size: 8, ctor: BigInt64Array },
  uint64: { size: 8, ctor: BigUint64Array },
  float32: { size: 4, ctor: Float32Array },
  float64: { size: 8, ctor: Float64Array },
};

/**
 * The column kind of a ROOT leaf class (`TLeafF` → float32), or undefined for leaves cortado
 * does not decode into numbers (strings `TLeafC`, `TLeafF16`/`TLeafD32` packed floats, objects).
 */
export function leafKind(leafClass: string, unsigned: boolean): ColumnKind | undefined {
  switch (leafClass) {
    case 'TLeafO': return 'bool';
    case 'TLeafB': return unsigned ? 'uint8' : 'int8';
    case 'TLeafS': return unsigned ? 'uint16' : 'int16';
    case 'TLeafI': return unsigned ? 'uint32' : 'int32';
    case 'TLeafL': case 'TLeafG': return unsigned ? 'uint64' : 'int64';
    case 'TLeafF': return 'float32';
    case 'TLeafD': return 'float64';
    default: return undefined;
  }
}
