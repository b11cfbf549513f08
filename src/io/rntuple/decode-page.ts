import type { NumericArray } from '../columns.ts';
import { IoError } from '../errors.ts';
import { COLUMN, ENCODINGS, columnTypeName, type ColumnEncoding } from './column-types.ts';
import type { ColumnDescriptor } from './schema-frames.ts';
import { halfToFloat, unpackBits, unpackBitStream, unsplit, unsplitDeltaIndex, unzigzag } from './unpack.ts';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('cortado reads RNTuple pages on little-endian machines only');
}

/** The encoding of a column, or `E_IO_UNSUPPORTED` naming its type. */
export function encodingOf(column: ColumnDescriptor, path: string, field: string): ColumnEncoding {
  const encoding = ENCODINGS.get(column.type);
  if (!encoding) {
    throw new IoError('E_IO_UNSUPPORTED', `Expected a column type cortado decodes for field ${field}, got ` +
      `${columnTypeName(column.type)} in ${path}`, { path, branch: field });
  }
  const bits = encoding.bits || column.bitsOnStorage;
  const range = column.type === COLUMN.Real32Trunc ? [10, 31] : column.type === COLUMN.Real32Quant ? [1, 32] : [bits, bits];
  if (column.bitsOnStorage < range[0]! || column.bitsOnStorage > range[1]!) {
    throw new IoError('E_IO_MALFORMED', `Expected ${range[0] === range[1] ? range[0] : `${range[0]}–${range[1]}`} bits per ` +
      `element for a ${encoding.name} column of field ${field}, got ${column.bitsOnStorage} in ${path}`, { path, branch: field });
  }
  if (column.type === COLUMN.Real32Quant && (column.min === undefined || column.max === undefined || !(column.min <= column.max))) {
    throw new IoError('E_IO_MALFORMED', `Expected a value range min ≤ max for the Real32Quant column of field ${field}, ` +
      `got [${column.min}, ${column.max}] in ${path}`, { path, branch: field });
  }
  return encoding;
}

/** Bytes of a page of `n` elements of `column` once decompressed. */
export function pageBytes(column: ColumnDescriptor, n: number): number {
  return Math.ceil((n * column.bitsOnStorage) / 8);
}

/** A copy of `n` elements of `size` bytes into a fresh, aligned buffer. */
function aligned(src: Uint8Array, n: number, size: number): ArrayBuffer {
  const out = new Uint8Array(n * size);
  out.set(src.subarray(0, n * size));
  return out.buffer;
}

/**
 * Decodes one decompressed page of `n` elements into its natural typed array: booleans as bytes
 * 0/1, integers in their width and signedness, floats as float32/float64 (Real16, Real32Trunc and
 * Real32Quant as float32, or float64 when the field is `double`), index elements as float64
 * offsets within the cluster (split index pages are delta-decoded).
 */
export function decodePage(src: Uint8Array, n: number, column: ColumnDescriptor, encoding: ColumnEncoding, wide: boolean): NumericArray {
  const bits = column.bitsOnStorage;
  switch (column.type) {
    case COLUMN.Bit: return unpackBits(src, n);
    case COLUMN.Real32Trunc: {
      const words = unpackBitStream(src, n, bits);
      const shift = 32 - bits;
      for (let i = 0; i < n; i++) words[i] = (words[i]! << shift) >>> 0;
      const floats = new Float32Array(words.buffer);
      return wide ? Float64Array.from(floats) : floats;
    }
    case COLUMN.Real32Quant: {
      const q = unpackBitStream(src, n, bits);
      const min = column.min!;
      const max = column.max!;
      // ROOT's UnquantizeReals: q · (max − min) / (2^bits − 1) + min in double, clamped to
      // the range widened by one epsilon, then cast to the field's type.
      const scale = (max - min) / (2 ** bits - 1);
      const lo = min - Math.abs(min) * Number.EPSILON;
      const hi = max + Math.abs(max) * Number.EPSILON;
      const out = wide ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(q[i]! * scale + min, lo), hi);
      return out;
    }
    default: break;
  }
  const size = (bits / 8) as 1 | 2 | 4 | 8;
  if (encoding.delta) return unsplitDeltaIndex(src, n, size as 4 | 8);
  const buffer = encoding.split && size > 1 ? unsplit(src, n, size as 2 | 4 | 8) : aligned(src, n, size);
  if (encoding.zigzag) unzigzag(buffer, size as 2 | 4 | 8);
  switch (encoding.value) {
    case 'int': return size === 1 ? new Int8Array(buffer) : size === 2 ? new Int16Array(buffer) : size === 4 ? new Int32Array(buffer) : new BigInt64Array(buffer);
    case 'uint': return size === 1 ? new Uint8Array(buffer) : size === 2 ? new Uint16Array(buffer) : size === 4 ? new Uint32Array(buffer) : new BigUint64Array(buffer);
    case 'float': {
      if (size === 2) {
        const halves = new Uint16Array(buffer);
        const out = wide ? new Float64Array(n) : new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = halfToFloat(halves[i]!);
        return out;
      }
      return size === 4 ? new Float32Array(buffer) : new Float64Array(buffer);
    }
    case 'index': {
      const out = new Float64Array(n);
      if (size === 4) {
        const raw = new Uint32Array(buffer);
        for (let i = 0; i < n; i++) out[i] = raw[i]!;
      } else {
        const raw = new Uint32Array(buffer);
        for (let i = 0; i < n; i++) out[i] = raw[2 * i]! + raw[2 * i + 1]! * 4294967296;
      }
      return out;
    }
    default: return unpackBits(src, n);
  }
}
