/** Column type ids of RNTuple 1.0 (`ENTupleColumnType`). */
export const COLUMN = {
  Bit: 0x00, Byte: 0x01, Char: 0x02, Int8: 0x03, UInt8: 0x04, Int16: 0x05, UInt16: 0x06, Int32: 0x07, UInt32: 0x08,
  Int64: 0x09, UInt64: 0x0a, Real16: 0x0b, Real32: 0x0c, Real64: 0x0d, Index32: 0x0e, Index64: 0x0f, Switch: 0x10,
  SplitInt16: 0x11, SplitUInt16: 0x12, SplitInt32: 0x13, SplitUInt32: 0x14, SplitInt64: 0x15, SplitUInt64: 0x16,
  SplitReal16: 0x17, SplitReal32: 0x18, SplitReal64: 0x19, SplitIndex32: 0x1a, SplitIndex64: 0x1b,
  Real32Trunc: 0x1c, Real32Quant: 0x1d,
} as const;

/** How the elements of a column type are laid out on disk. */
export interface ColumnEncoding {
  readonly name: string;
  /** Bits per element on disk; 0 for the variable-width Real32Trunc/Real32Quant (the column says). */
  readonly bits: number;
  /** What one element means once decoded. */
  readonly value: 'bit' | 'int' | 'uint' | 'float' | 'index';
  /** Byte-split: byte 0 of every element, then byte 1, … (compresses better). */
  readonly split: boolean;
  /** Signed integers in split columns are zigzag-encoded (small magnitudes → small codes). */
  readonly zigzag: boolean;
  /** Index columns in split encoding store differences to the previous element of the page. */
  readonly delta: boolean;
}

const e = (name: string, bits: number, value: ColumnEncoding['value'], split = false, zigzag = false, delta = false): ColumnEncoding =>
  ({ name, bits, value, split, zigzag, delta });

/** The encodings cortado decodes, by column type id (`Switch`, for variants, is absent). */
export const ENCODINGS: ReadonlyMap<number, ColumnEncoding> = new Map([
  [COLUMN.Bit, e('Bit', 1, 'bit')],
  [COLUMN.Byte, e('Byte', 8, 'uint')],
  [COLUMN.Char, e('Char', 8, 'int')],
  [COLUMN.Int8, e('Int8', 8, 'int')],
  [COLUMN.UInt8, e('UInt8', 8, 'uint')],
  [COLUMN.Int16, e('Int16', 16, 'int')],
  [COLUMN.UInt16, e('UInt16', 16, 'uint')],
  [COLUMN.Int32, e('Int32', 32, 'int')],
  [COLUMN.UInt32, e('UInt32', 32, 'uint')],
  [COLUMN.Int64, e('Int64', 64, 'int')],
  [COLUMN.UInt64, e('UInt64', 64, 'uint')],
  [COLUMN.Real16, e('Real16', 16, 'float')],
  [COLUMN.Real32, e('Real32', 32, 'float')],
  [COLUMN.Real64, e('Real64', 64, 'float')],
  [COLUMN.Index32, e('Index32', 32, 'index')],
  [COLUMN.Index64, e('Index64', 64, 'index')],
  [COLUMN.SplitInt16, e('SplitInt16', 16, 'int', true, true)],
  [COLUMN.SplitUInt16, e('SplitUInt16', 16, 'uint', true)],
  [COLUMN.SplitInt32, e('SplitInt32', 32, 'int', true, true)],
  [COLUMN.SplitUInt32, e('SplitUInt32', 32, 'uint', true)],
  [COLUMN.SplitInt64, e('SplitInt64', 64, 'int', true, true)],
  [COLUMN.SplitUInt64, e('SplitUInt64', 64, 'uint', true)],
  [COLUMN.SplitReal16, e('SplitReal16', 16, 'float', true)],
  [COLUMN.SplitReal32, e('SplitReal32', 32, 'float', true)],
  [COLUMN.SplitReal64, e('SplitReal64', 64, 'float', true)],
  [COLUMN.SplitIndex32, e('SplitIndex32', 32, 'index', true, false, true)],
  [COLUMN.SplitIndex64, e('SplitIndex64', 64, 'index', true, false, true)],
  [COLUMN.Real32Trunc, e('Real32Trunc', 0, 'float')],
  [COLUMN.Real32Quant, e('Real32Quant', 0, 'float')],
]);

/** A column type's name for messages (`0x10 (Switch)`). */
export function columnTypeName(type: number): string {
  const known = Object.entries(COLUMN).find(([, id]) => id === type)?.[0];
  return `0x${type.toString(16).padStart(2, '0')}${known ? ` (${known})` : ''}`;
}
