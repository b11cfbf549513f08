import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { dataset } from '../src/io/dataset/dataset.ts';
import { IoError } from '../src/io/errors.ts';
import { Events } from '../src/io/events/events.ts';
import { openSource } from '../src/io/open.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { COLUMN } from '../src/io/rntuple/column-types.ts';
import { openRNTuple } from '../src/io/rntuple/index.ts';
import { writableCodecs, type Codec } from './fixtures/rntuple/compress.ts';
import { flipBytes } from './helpers/byte-flips.ts';
import { writeRNTuple, type FieldSpec } from './fixtures/rntuple/write.ts';

// 20 entries in clusters of 5, 7 and 8 (two cluster groups), pages of at most 3 elements.
const CLUSTERS = [5, 7, 8];
const N = 20;
const range = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const counts = range(N, (i) => (i * 7) % 4); // 0–3 items per entry, some entries empty
const items = (f: (i: number, j: number) => number) => counts.map((c, i) => range(c, (j) => f(i, j)));

const FIELDS: FieldSpec[] = [
  { kind: 'flat', name: 'x_f32', type: 'float', column: { type: COLUMN.SplitReal32 }, values: range(N, (i) => Math.fround(i * 1.1 - 7)) },
  { kind: 'flat', name: 'x_f64', type: 'double', column: { type: COLUMN.Real64 }, values: range(N, (i) => i / 3) },
  { kind: 'flat', name: 'x_i32', type: 'std::int32_t', column: { type: COLUMN.SplitInt32 }, values: range(N, (i) => (i % 2 ? -1 : 1) * i * 100_003) },
  { kind: 'flat', name: 'x_i64', type: 'std::int64_t', column: { type: COLUMN.SplitInt64 }, values: range(N, (i) => BigInt(i - 10) * 2n ** 40n - 3n) },
  { kind: 'flat', name: 'x_u16', type: 'std::uint16_t', column: { type: COLUMN.SplitUInt16 }, values: range(N, (i) => 65535 - i) },
  { kind: 'flat', name: 'x_i16', type: 'std::int16_t', column: { type: COLUMN.Int16 }, values: range(N, (i) => -i * 1000) },
  { kind: 'flat', name: 'x_u8', type: 'std::uint8_t', column: { type: COLUMN.UInt8 }, values: range(N, (i) => i * 13) },
  { kind: 'flat', name: 'x_bool', type: 'bool', column: { type: COLUMN.Bit }, values: range(N, (i) => (i % 3 === 0 ? 1 : 0)) },
  // Truncated to 16 bits and quantized to 8 bits over [0, 255]: values chosen to survive both exactly.
  { kind: 'flat', name: 'x_trunc', type: 'float', column: { type: COLUMN.Real32Trunc, bits: 16 }, values: range(N, (i) => i * 0.5 - 3) },
  { kind: 'flat', name: 'x_quant', type: 'float', column: { type: COLUMN.Real32Quant, bits: 8, min: 0, max: 255 }, values: range(N, (i) => i * 12) },
  // Stored split in clusters 0 and 2, truncated to 20 bits in cluster 1 (the other representation suppressed).
  { kind: 'flat', name: 'x_rep', type: 'float', column: { type: COLUMN.SplitReal32 }, alternate: { type: COLUMN.Real32Trunc, bits: 20 },
    active: [0, 1, 0], values: range(N, (i) => i * 0.25 - 2) },
  { kind: 'vector', name: 'v_f32', type: 'float', column: { type: COLUMN.SplitReal32 }, index: COLUMN.SplitIndex64,
    values: items((i, j) => Math.fround(i + j / 4)) },
  { kind: 'vector', name: 'v_i32', type: 'std::int32_t', column: { type: COLUMN.Int32 }, index: COLUMN.Index32, values: items((i, j) => -i * 10 - j) },
  { kind: 'vector', name: 'v_f64', type: 'double', column: { type: COLUMN.SplitReal64 }, index: COLUMN.SplitIndex32, values: items((i, j) => i * j / 7) },
  { kind: 'array', name: 'a_f32', type: 'float', size: 3, column: { type: COLUMN.Real32 }, values: range(N, (i) => [i, -i, i / 2]) },
  { kind: 'nanoaod', name: 'Muon', index: COLUMN.SplitIndex64, counts, leaves: [
    { name: 'pt', type: 'float', column: { type: COLUMN.SplitReal32 }, values: items((i, j) => Math.fround(10 + i + j * 0.25)).flat() },
    { name: 'charge', type: 'std::int32_t', column: { type: COLUMN.SplitInt32 }, values: items((i, j) => ((i + j) % 2 ? -1 : 1)).flat() },
    { name: 'tight', type: 'bool', column: { type: COLUMN.Bit }, values: items((i, j) => (i + j) % 3 === 0 ? 1 : 0).flat() },
  ] },
];
const EXTENSION: FieldSpec[] = [
  { kind: 'flat', name: 'late', type: 'std::uint32_t', column: { type: COLUMN.SplitUInt32 }, values: range(N, (i) => 4_000_000_000 + i) },
];

/** What each field must read as over all entries. */
function expected(): Record<string, unknown> {
  const jagged = (values: number[][], ctor: { from(a: number[]): unknown }) => ({
    offsets: Int32Array.from([0, ...values.map((v) => v.length)].map((_, i, a) => a.slice(0, i + 1).reduce((x, y) => x + y, 0))),
    values: ctor.from(values.flat()),
  });
  const flat = (name: string) => (FIELDS.find((f) => f.name === name) as unknown as { values: number[] }).values;
  return {
    x_f32: Float32Array.from(flat('x_f32')), x_f64: Float64Array.from(flat('x_f64')), x_i32: Int32Array.from(flat('x_i32')),
    x_i64: BigInt64Array.from(flat('x_i64') as unknown as bigint[]), x_u16: Uint16Array.from(flat('x_u16')),
    x_i16: Int16Array.from(flat('x_i16')), x_u8: Uint8Array.from(flat('x_u8')), x_bool: Uint8Array.from(flat('x_bool')),
    x_trunc: Float32Array.from(flat('x_trunc')), x_quant: Float32Array.from(flat('x_quant')), x_rep: Float32Array.from(flat('x_rep')),
    v_f32: jagged(items((i, j) => Math.fround(i + j / 4)), Float32Array),
    v_i32: jagged(items((i, j) => -i * 10 - j), Int32Array),
    v_f64: jagged(items((i, j) => i * j / 7), Float64Array),
    a_f32: { offsets: Int32Array.from(range(N + 1, (i) => 3 * i)), values: Float32Array.from(range(N, (i) => [i, -i, i / 2]).flat()) },
    nMuon: Uint32Array.from(counts),
    Muon_pt: jagged(items((i, j) => Math.fround(10 + i + j * 0.25)), Float32Array),
    Muon_charge: jagged(items((i, j) => ((i + j) % 2 ? -1 : 1)), Int32Array),
    Muon_tight: jagged(items((i, j) => (i + j) % 3 === 0 ? 1 : 0), Uint8Array),
    late: Uint32Array.from(range(N, (i) => 4_000_000_000 + i)),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'cortado-rntuple-written-'));
const fileOf = (codec: Codec) => join(dir, `written_${codec}.root`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  for (const codec of writableCodecs) {
    await writeRNTuple(fileOf(codec), FIELDS, { clusters: CLUSTERS, clustersPerGroup: 2, pageSize: 3, codec, extension: EXTENSION });
  }
  await writeRNTuple(join(dir, 'no-checksums.root'), FIELDS, { clusters: CLUSTERS, pageSize: 4, codec: 'none', pageChecksums: false });
});

if (!writableCodecs.includes('lzma')) {
  if (process.env.CI) throw new Error('Expected @napi-rs/lzma to write the LZMA test file (CI is set), got none built for this platform');
  console.warn('[skip] RNTuple LZMA pages: @napi-rs/lzma has no build for this platform');
}

describe('RNTuples of many clusters, pages and encodings', () => {
  for (const codec of writableCodecs) {
    it(`reads every field of a ${codec} file across 3 clusters, 2 cluster groups and 3-element pages`, async () => {
      await using source = await openSource(fileOf(codec), 'Events');
      expect(source.entries).toBe(N);
      expect(source.clusters).toEqual([0, 5, 12, 20]);
      const want = expected();
      expect(source.branches.map((b) => b.name).sort()).toEqual(Object.keys(want).sort());
      expect(source.branches.find((b) => b.name === 'Muon_pt')).toEqual({ name: 'Muon_pt', kind: 'float32', jagged: true, counter: 'nMuon' });
      expect(source.branches.find((b) => b.name === 'v_f32')).toEqual({ name: 'v_f32', kind: 'float32', jagged: true });
      const got = await source.read(Object.keys(want), 0, N);
      for (const [name, value] of Object.entries(want)) expect(got[name], name).toEqual(value);
    });
  }

  it('reads any entry range across cluster boundaries, equal to the slice of the whole', async () => {
    await using source = await openRNTuple(fileOf('zstd'), 'Events');
    const names = ['x_i64', 'v_f32', 'Muon_pt', 'nMuon', 'a_f32', 'x_bool'];
    const whole = Events.fromColumns(await source.read(names, 0, N));
    for (const [start, stop] of [[3, 14], [5, 12], [0, 1], [19, 20], [11, 11]] as const) {
      const part = await source.read(names, start, stop);
      expect(part.x_i64).toEqual((whole.column('x_i64') as BigInt64Array).slice(start, stop));
      const pt = part.Muon_pt as { offsets: Int32Array; values: Float32Array };
      const all = whole.column('Muon_pt') as { offsets: Int32Array; values: Float32Array };
      expect(pt.values).toEqual(all.values.slice(all.offsets[start], all.offsets[stop]));
      expect(Array.from(pt.offsets)).toEqual(Array.from(all.offsets.slice(start, stop + 1), (o) => o - all.offsets[start]!));
      expect(Array.from(part.nMuon as Uint32Array)).toEqual(counts.slice(start, stop));
    }
  });

  it('reads pages stored without checksums', async () => {
    await using source = await openRNTuple(join(dir, 'no-checksums.root'), 'Events');
    const { Muon_pt, x_i32 } = await source.read(['Muon_pt', 'x_i32'], 0, N);
    expect(Muon_pt).toEqual(expected().Muon_pt);
    expect(x_i32).toEqual(expected().x_i32);
  });

  it('makes clusters the step boundaries of a prepared dataset', async () => {
    await using backend = inline();
    const prepared = await preprocess(backend, dataset('W', [fileOf('zlib')]), { stepSize: 6, alignClusters: true });
    expect(prepared.files[0]!.clusters).toEqual([0, 5, 12, 20]);
    expect(prepared.files[0]!.steps).toEqual([[0, 5], [5, 12], [12, 20]]);
    const sums = await backend.compute(prepared.mapSteps(({ events }) => events.Muon.counts.length)).result();
    expect(sums).toBe(N);
  });

  it('verifies envelope checksums: a byte changed in the stored footer is E_IO_CHECKSUM', async () => {
    const bytes = readFileSync(fileOf('none'));
    // The footer envelope of an uncompressed file: the last envelope, starting with type 2 and its length.
    let at = -1;
    for (let i = bytes.length - 200; i > 0 && at < 0; i--) if (bytes[i] === 2 && bytes[i + 1] === 0 && bytes.readUInt32LE(i + 2) > 100 && bytes.readUInt32LE(i + 2) < 4000 && bytes[i + 6] === 0 && bytes[i + 7] === 0) at = i;
    expect(at).toBeGreaterThan(0);
    bytes[at + 20] = bytes[at + 20]! ^ 0x01;
    const path = join(dir, 'bad-footer.root');
    writeFileSync(path, bytes);
    const error = await openRNTuple(path, 'Events').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_CHECKSUM');
    expect((error as IoError).message).toMatch(/footer envelope/);
  });

  it('answers random byte changes with the data or an IoError, never another error (pages without checksums)', async () => {
    const outcomes = await flipBytes(join(dir, 'no-checksums.root'), dir, 120, 11, async (path) => {
      await using source = await openRNTuple(path, 'Events');
      await source.read(source.branches.map((b) => b.name), 0, source.entries);
    });
    const codes = [...outcomes.keys()];
    expect(codes.filter((c) => c !== 'ok' && !c.startsWith('E_IO_'))).toEqual([]);
    expect(codes.length).toBeGreaterThan(2);
  });

  it('parses a file again when it is rewritten in place, never serving the old metadata', async () => {
    const path = join(dir, 'rewritten.root');
    const field = (values: number[]): FieldSpec[] => [{ kind: 'flat', name: 'x', type: 'std::int32_t', column: { type: COLUMN.SplitInt32 }, values }];
    await writeRNTuple(path, field([1, 2, 3]), { clusters: [3] });
    {
      await using source = await openSource(path, 'Events');
      expect(await source.read(['x'], 0, 3)).toEqual({ x: Int32Array.of(1, 2, 3) });
    }
    await writeRNTuple(path, field([7, 8, 9, 10, 11]), { clusters: [2, 3] });
    await using source = await openSource(path, 'Events');
    expect(source.clusters).toEqual([0, 2, 5]);
    expect(await source.read(['x'], 0, 5)).toEqual({ x: Int32Array.of(7, 8, 9, 10, 11) });
  });
});
