/** A numeric typed array, as flat columns are stored. */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A jagged (variable-length) column such as `Muon_pt[nMuon]`: event `i` owns
 * `values[offsets[i] .. offsets[i + 1])`. `offsets.length === events + 1`, `offsets[0] === 0`.
 */
export interface JaggedColumn<V extends NumericArray = NumericArray> {
  readonly offsets: Int32Array;
  readonly values: V;
}

/** A column: flat typed array (booleans as Uint8Array) or jagged. */
export type Column = NumericArray | JaggedColumn;

/** Whether a column is jagged. */
export function isJagged(column: Column): column is JaggedColumn {
  return !ArrayBuffer.isView(column);
}

/** A set of columns read over one entry range. */
export type ColumnSet = Record<string, Column>;
