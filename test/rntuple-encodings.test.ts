import { describe, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { loadXxh3, xxh3 } from '../src/io/rntuple/checksum.ts';
import { COLUMN, ENCODINGS } from '../src/io/rntuple/column-types.ts';
import { Cursor } from '../src/io/rntuple/cursor.ts';
import { decodePage, encodingOf } from '../src/io/rntuple/decode-page.ts';
import { readList, readRecord } from '../src/io/rntuple/frames.ts';
import type { ColumnDescriptor } from '../src/io/rntuple/schema-frames.ts';
import { unpackBitStream } from '../src/io/rntuple/unpack.ts';

function column(type: number, bits: number, extra: Partial<ColumnDescriptor> = {}): ColumnDescriptor {
  return { id: 0, type, bitsOnStorage: bits, fieldId: 0, representationIndex: 0, firstElement: 0, ...extra };
}

function decode(type: number, bits: number, bytes: ArrayLike<number>, n: number, extra: Partial<ColumnDescriptor> = {}, wide = false) {
  const c = column(type, bits, extra);
  return decodePage(Uint8Array.from(bytes), n, c, encodingOf(c, 'test.root', 'x'), wide);
}

/** Little-endian bytes of `values` (each `size` bytes), written one by one with a DataView. */
function le(values: readonly (number | bigint)[], size: 2 | 4 | 8): number[] {
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    if (size === 2) view.setUint16(i * size, Number(v), true);
    else if (size === 4) view.setUint32(i * size, Number(v), true);
    else view.setBigUint64(i * size, BigInt(v), true);
  });
  return [...new Uint8Array(view.buffer)];
}

/** Byte-split: all first bytes, then all second bytes, … */
function split(bytes: number[], size: number): number[] {
  const n = bytes.length / size;
  const out: number[] = [];
  for (let b = 0; b < size; b++) for (let i = 0; i < n; i++) out.push(bytes[i * size + b]!);
  return out;
}

const zigzag32 = (x: number): number => ((x << 1) ^ (x >> 31)) >>> 0;
const zigzag64 = (x: bigint): bigint => BigInt.asUintN(64, (x << 1n) ^ (x >> 63n));

describe('RNTuple column encodings', () => {
  it('reads plain little-endian integers and floats', () => {
    expect(decode(COLUMN.Int16, 16, le([0xfffe, 7], 2), 2)).toEqual(Int16Array.of(-2, 7));
    expect(decode(COLUMN.UInt32, 32, le([0xffffffff, 1], 4), 2)).toEqual(Uint32Array.of(0xffffffff, 1));
    expect(decode(COLUMN.Int64, 64, le([2n ** 64n - 3n], 8), 1)).toEqual(BigInt64Array.of(-3n));
    const f = new Float32Array([1.5, -0, Number.NaN]);
    expect(decode(COLUMN.Real32, 32, new Uint8Array(f.buffer), 3)).toEqual(f);
  });

  it('un-splits split floats and unsigned integers', () => {
    const f = Float32Array.of(1.25, -3.5e-20, 6e30, 0);
    expect(decode(COLUMN.SplitReal32, 32, split([...new Uint8Array(f.buffer)], 4), 4)).toEqual(f);
    const d = Float64Array.of(Math.PI, -1e300, 5e-324);
    expect(decode(COLUMN.SplitReal64, 64, split([...new Uint8Array(d.buffer)], 8), 3)).toEqual(d);
    expect(decode(COLUMN.SplitUInt16, 16, split(le([0x1234, 0xfedc], 2), 2), 2)).toEqual(Uint16Array.of(0x1234, 0xfedc));
    expect(decode(COLUMN.SplitUInt64, 64, split(le([2n ** 63n + 5n, 1n], 8), 8), 2)).toEqual(BigUint64Array.of(2n ** 63n + 5n, 1n));
  });

  it('un-splits and un-zigzags split signed integers of 16, 32 and 64 bits', () => {
    const i16 = [0, -1, 1, -32768, 32767];
    expect(decode(COLUMN.SplitInt16, 16, split(le(i16.map((x) => zigzag32(x) & 0xffff), 2), 2), 5)).toEqual(Int16Array.from(i16));
    const i32 = [0, -1, 1, -2147483648, 2147483647, -123456];
    expect(decode(COLUMN.SplitInt32, 32, split(le(i32.map(zigzag32), 4), 4), 6)).toEqual(Int32Array.from(i32));
    const i64 = [0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 40n) - 7n, 2n ** 53n + 1n];
    expect(decode(COLUMN.SplitInt64, 64, split(le(i64.map(zigzag64), 8), 8), 7)).toEqual(BigInt64Array.from(i64));
  });

  it('reads index columns as offsets: plain ones as they are, split ones delta-decoded within the page', () => {
    expect(decode(COLUMN.Index32, 32, le([2, 2, 5], 4), 3)).toEqual(Float64Array.of(2, 2, 5));
    expect(decode(COLUMN.Index64, 64, le([3n, 2n ** 40n], 8), 2)).toEqual(Float64Array.of(3, 2 ** 40));
    // Offsets 2, 2, 5, 9 are stored as the differences 2, 0, 3, 4.
    expect(decode(COLUMN.SplitIndex64, 64, split(le([2n, 0n, 3n, 4n], 8), 8), 4)).toEqual(Float64Array.of(2, 2, 5, 9));
    expect(decode(COLUMN.SplitIndex32, 32, split(le([1, 1, 1], 4), 4), 3)).toEqual(Float64Array.of(1, 2, 3));
  });

  it('unpacks bit-packed booleans, least significant bit first', () => {
    expect(decode(COLUMN.Bit, 1, [0b10000101, 0b1], 9)).toEqual(Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 1, 1));
  });

  it('reads bit streams least significant bit first, across byte boundaries', () => {
    // 0xABC then 0x123 in 12 bits each: BC, then 3 (low nibble of 0x123) above A, then 12.
    expect(unpackBitStream(Uint8Array.of(0xbc, 0x3a, 0x12), 2, 12)).toEqual(Uint32Array.of(0xabc, 0x123));
    expect(unpackBitStream(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x01), 1, 32)).toEqual(Uint32Array.of(0xffffffff));
    expect(unpackBitStream(Uint8Array.of(0b11100101), 3, 2)).toEqual(Uint32Array.of(1, 1, 2));
  });

  it('restores truncated floats from their top bits', () => {
    // 1.5 is 0x3FC00000 and -2.75 is 0xC0300000: their top 12 bits, 0x3FC and 0xC03, packed.
    const floats = decode(COLUMN.Real32Trunc, 12, [0xfc, 0x33, 0xc0], 2);
    expect(floats).toEqual(Float32Array.of(1.5, -2.75));
    expect(decode(COLUMN.Real32Trunc, 12, [0xfc, 0x33, 0xc0], 2, {}, true)).toEqual(Float64Array.of(1.5, -2.75));
  });

  it('maps quantized integers onto the column range', () => {
    // 2 bits over [-1, 1]: 0 → -1, 1 → -1/3, 2 → 1/3, 3 → 1.
    const q = decode(COLUMN.Real32Quant, 2, [0b11100100], 4, { min: -1, max: 1 });
    expect(q).toEqual(Float32Array.of(-1, -1 / 3, 1 / 3, 1));
    // In double precision the result is ROOT's q · ((max − min) / 3) + min, rounded as it rounds.
    const step = 2 / 3;
    expect(decode(COLUMN.Real32Quant, 2, [0b11100100], 4, { min: -1, max: 1 }, true)).toEqual(Float64Array.of(-1, step - 1, 2 * step - 1, 1));
    expect(() => encodingOf(column(COLUMN.Real32Quant, 8), 'test.root', 'q')).toThrow(/value range/);
  });

  it('reads half-precision floats exactly, subnormals and specials included', () => {
    const halves = le([0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x7bff, 0x3555], 2);
    expect(decode(COLUMN.Real16, 16, halves, 7)).toEqual(Float32Array.of(1, -2, Infinity, -Infinity, 2 ** -24, 65504, 0.333251953125));
    expect(Number.isNaN(decode(COLUMN.SplitReal16, 16, split(le([0x7e00], 2), 2), 1)[0])).toBe(true);
  });

  it('names column types it does not read, and rejects impossible bit widths', () => {
    const error = (() => { try { encodingOf(column(COLUMN.Switch, 96), 'f.root', 'v'); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_UNSUPPORTED');
    expect((error as IoError).message).toMatch(/0x10 \(Switch\)/);
    expect(() => encodingOf(column(COLUMN.Real32Trunc, 40), 'f.root', 't')).toThrow(/10–31 bits/);
    expect(() => encodingOf(column(COLUMN.Real32, 16), 'f.root', 'r')).toThrow(/32 bits/);
    expect(ENCODINGS.size).toBe(29);
  });
});

describe('XXH3-64', () => {
  it('matches the reference: the empty input, and checksums ROOT wrote', async () => {
    await loadXxh3();
    expect(xxh3(new Uint8Array(0))).toBe(0x2d06800538d394c2n);
    // The fields of nano_dy_rntuple.root's anchor and the checksum ROOT 6.37 stored after them.
    const anchor = Buffer.from(['0001000000000002', '0000000000000132', '0000000000006025', '00000000000312b7',
      '0000000000014d62', '0000000000000054', '0000000000000094', '0000000040000000'].join(''), 'hex');
    expect(anchor.length).toBe(64);
    expect(xxh3(anchor)).toBe(0x34302b125921c738n);
  });
});

describe('RNTuple frames', () => {
  const frame = (bytes: number[]) => new Cursor(Uint8Array.from(bytes), 'f.root', 'a test envelope');
  const i64 = (v: number) => le([BigInt.asUintN(64, BigInt(v))], 8);

  it('skips bytes a later format version appends to a record or list', () => {
    // A list of two records, each with a u32 then 4 unknown bytes, then 4 unknown bytes after the items.
    const record = (v: number) => [...i64(16), ...le([v], 4), 9, 9, 9, 9];
    const cur = frame([...i64(-(12 + 32 + 4)), ...le([2], 4), ...record(7), ...record(8), 1, 2, 3, 4, 0xaa]);
    const items = readList(cur, 'a list', (c, i) => readRecord(c, `item ${i}`, (r) => r.u32()));
    expect(items).toEqual([7, 8]);
    expect(cur.pos).toBe(48);
  });

  it('rejects a record where a list belongs, sizes past the end, and absurd item counts', () => {
    expect(() => readList(frame([...i64(12), ...le([0], 4)]), 'the field list', () => 0)).toThrow(/list frame/);
    expect(() => readRecord(frame([...i64(100), 0, 0]), 'a record', () => 0)).toThrow(/record frame of 8 to 10 bytes/);
    expect(() => readList(frame([...i64(-16), ...le([1000], 4), 0, 0, 0, 0]), 'a list', () => 0)).toThrow(/at most 1 items/);
    try {
      readRecord(frame([...i64(10), 0, 0]), 'a record', (r) => r.u32());
    } catch (error) {
      expect((error as IoError).code).toBe('E_IO_MALFORMED');
      expect((error as IoError).message).toMatch(/f\.root/);
    }
  });
});
