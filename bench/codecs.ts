/**
 * Decompression throughput of each codec on cortado's read path against bare native
 * decompression of the same bytes, in one run (part of `bench/io.ts`; alone: `npx tsx bench/codecs.ts`).
 *
 * - ROOT: the shared compression variants (uproot-HZZ, uproot-Zmumu × zlib/lz4/zstd/lzma) read
 *   whole (every readable branch), repeatedly, metadata warm. Bare: the same baskets' blocks,
 *   already in memory, through the bare decoder (node:zlib inflate, lz4-napi, node:zlib ZSTD or
 *   libzstd-wasm, @napi-rs/lzma) — decompression alone, no reading, no checksum, no decoding.
 * - Parquet: one generated file of `--events` demo events per codec (same events), every
 *   column read. Bare: the same pages (captured during a read), through the bare decoder.
 * MB/s are of decompressed output; read path / bare is the fraction of the native limit reached.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync, gunzipSync } from 'node:zlib';
import { decompressXzSync, decompressZstd, lz4DecodeNative, parquetPageCompressors } from '../src/io/decompress/index.ts';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { DEMO_COLUMNS } from '../src/io/demo/generate.ts';
import { generateBlock } from '../src/io/demo/physics.ts';
import { Random } from '../src/io/demo/random.ts';
import { parquetCompressors } from '../src/io/parquet/compressors.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { DATA_DIR } from '../test/helpers/data.ts';

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Seconds of one call, by wall clock and by CPU time of this process (steadier on a shared machine). */
export interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

async function calibrate(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  let calls = 0;
  do {
    await fn();
    calls++;
  } while (performance.now() - t0 < 150);
  return Math.max(1, Math.ceil(0.15 / ((performance.now() - t0) / 1000 / calls)));
}

async function runOnce(fn: () => unknown, reps: number): Promise<Timing> {
  const t = performance.now();
  const c = process.cpuUsage();
  for (let r = 0; r < reps; r++) await fn();
  const used = process.cpuUsage(c);
  return { wall: (performance.now() - t) / 1000 / reps, cpu: (used.user + used.system) / 1e6 / reps };
}

/**
 * Medians of `a` and `b` measured alternately, run by run, so that a burst of load on the shared
 * machine hits both alike. Each run repeats a function for ~0.15 s.
 */
export async function timePair(a: () => unknown, b: () => unknown, runs: number): Promise<[Timing, Timing]> {
  const [ra, rb] = [await calibrate(a), await calibrate(b)];
  const ta: Timing[] = [];
  const tb: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    ta.push(await runOnce(a, ra));
    tb.push(await runOnce(b, rb));
  }
  const med = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
  return [med(ta), med(tb)];
}

/** Median seconds of one call over `runs` runs, each repeating `fn` for ≥ ~0.15 s. */
export async function timeIt(fn: () => unknown, runs: number): Promise<number> {
  const t0 = performance.now();
  let calls = 0;
  do {
    await fn();
    calls++;
  } while (performance.now() - t0 < 150);
  const reps = Math.max(1, Math.ceil(0.15 / ((performance.now() - t0) / 1000 / calls)));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) await fn();
    times.push((performance.now() - t) / 1000 / reps);
  }
  return median(times);
}

interface CodecRow {
  readonly name: string;
  readonly codec: string;
  readonly mb: number;
  readonly read: Timing;
  /** Undefined where there is nothing to decompress. */
  readonly bare: Timing | undefined;
}

/** One ROOT compression block, ready for the bare decoder. */
interface Block {
  readonly tag: string;
  readonly body: Uint8Array;
  readonly usize: number;
}

function bareDecode(blocks: readonly Block[]): number {
  let out = 0;
  for (const b of blocks) {
    if (b.tag === 'ZL') out += inflateSync(b.body).length;
    else if (b.tag === 'ZS') out += decompressZstd(b.body, b.usize).length;
    else if (b.tag === 'L4') out += lz4DecodeNative(b.body, 8, b.body.length, b.usize)!.length;
    else if (b.tag === 'XZ') out += decompressXzSync(b.body)!.length;
    else out += b.usize;
  }
  return out;
}

async function rootRows(runs: number): Promise<CodecRow[]> {
  const rows: CodecRow[] = [];
  for (const sample of ['uproot-HZZ', 'uproot-Zmumu']) {
    for (const codec of ['zlib', 'lz4', 'zstd', 'lzma']) {
      const path = join(DATA_DIR, 'compression', `${sample}-${codec}.root`);
      const bytes = readFileSync(path);
      await using file = await openRootFile(path);
      const tree = await file.tree('events');
      const names = tree.branches.map((b) => b.name);
      const blocks: Block[] = [];
      let mb = 0;
      for (const name of names) {
        for (const ref of tree.layout(name)?.baskets ?? []) {
          if (ref.embedded) continue;
          const keylen = bytes.readUInt16BE(ref.seek + 14);
          const objlen = bytes.readInt32BE(ref.seek + 6);
          mb += objlen / 1e6;
          const end = ref.seek + ref.bytes;
          if (end - (ref.seek + keylen) === objlen) { blocks.push({ tag: 'raw', body: new Uint8Array(0), usize: objlen }); continue; }
          for (let s = ref.seek + keylen; s < end;) {
            const csize = bytes[s + 3]! | (bytes[s + 4]! << 8) | (bytes[s + 5]! << 16);
            const usize = bytes[s + 6]! | (bytes[s + 7]! << 8) | (bytes[s + 8]! << 16);
            blocks.push({ tag: bytes.toString('latin1', s, s + 2), body: new Uint8Array(bytes.subarray(s + 9, s + 9 + csize)), usize });
            s += 9 + csize;
          }
        }
      }
      const [read, bare] = await timePair(async () => {
        await using f = await openRootFile(path);
        const t = await f.tree('events');
        await t.read(names, 0, t.entries);
      }, () => bareDecode(blocks), runs);
      rows.push({ name: `${sample}.root`, codec, mb, read, bare });
    }
  }
  return rows;
}

type ParquetCodec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'ZSTD' | 'LZ4_RAW';

export function writeParquet(path: string, codec: ParquetCodec, events: number): void {
  const compress = codec === 'GZIP' || codec === 'ZSTD' || codec === 'LZ4_RAW' ? parquetPageCompressors[codec] : undefined;
  const writer = new ColumnarParquetWriter(path, DEMO_COLUMNS, { codec, compress });
  const rng = new Random(7);
  const physics = { signalFraction: 0.3, continuumFraction: 0.15, continuumSlope: 25 };
  const groupSize = 100_000;
  for (let start = 0; start < events; start += groupSize) {
    const rows = Math.min(groupSize, events - start);
    const block = generateBlock(rng, rows, physics);
    const event = new BigInt64Array(rows);
    for (let i = 0; i < rows; i++) event[i] = BigInt(start + i + 1);
    writer.writeGroup(rows, [
      { name: 'run', type: 'INT32', values: new Int32Array(rows).fill(1) },
      { name: 'event', type: 'INT64', values: event },
      { name: 'nMuon', type: 'INT32', values: block.nMuon },
      { name: 'Muon_pt', type: 'FLOAT', values: block.pt, offsets: block.offsets },
      { name: 'Muon_eta', type: 'FLOAT', values: block.eta, offsets: block.offsets },
      { name: 'Muon_phi', type: 'FLOAT', values: block.phi, offsets: block.offsets },
      { name: 'Muon_mass', type: 'FLOAT', values: block.mass, offsets: block.offsets },
      { name: 'Muon_charge', type: 'INT32', values: block.charge, offsets: block.offsets },
      { name: 'MET_pt', type: 'FLOAT', values: block.metPt },
    ]);
  }
  writer.finish();
}

const COLUMNS = DEMO_COLUMNS.map((c) => c.name);

export async function readParquetAll(path: string, options: object = {}): Promise<void> {
  await using source = await openParquet(path, options);
  const bounds = source.clusters;
  for (let i = 0; i + 1 < bounds.length; i++) await source.read(COLUMNS, bounds[i]!, bounds[i + 1]!);
}

const BARE: Record<string, (input: Uint8Array, size: number) => number> = {
  GZIP: (input) => gunzipSync(input).length,
  ZSTD: (input, size) => decompressZstd(input, size).length,
  LZ4_RAW: (input, size) => lz4DecodeNative(input, 0, input.length, size)!.length,
  SNAPPY: (input, size) => parquetCompressors.SNAPPY!(input, size).length,
  UNCOMPRESSED: (_input, size) => size,
};

async function parquetRows(dir: string, events: number, runs: number): Promise<CodecRow[]> {
  const rows: CodecRow[] = [];
  for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'LZ4_RAW'] as const) {
    const path = join(dir, `demo-${codec}.parquet`);
    writeParquet(path, codec, events);
    // Capture the pages the reader decompresses, to give the bare decoder the very same bytes.
    const pages: { input: Uint8Array; size: number }[] = [];
    const table = parquetCompressors as Record<string, ((input: Uint8Array, size: number) => Uint8Array) | undefined>;
    const original = table[codec];
    if (original) {
      table[codec] = (input, size) => {
        pages.push({ input: new Uint8Array(input), size });
        return original(input, size);
      };
    }
    await readParquetAll(path);
    if (original) table[codec] = original;
    const fileSize = readFileSync(path).length;
    const mb = original ? pages.reduce((a, p) => a + p.size, 0) / 1e6 : fileSize / 1e6;
    const decodeAll = (): void => { for (const p of pages) BARE[codec]!(p.input, p.size); };
    const [read, bare] = original
      ? await timePair(() => readParquetAll(path), decodeAll, runs)
      : [(await timePair(() => readParquetAll(path), () => undefined, runs))[0], undefined];
    rows.push({ name: `demo ${fmt(events)} events.parquet`, codec, mb, read, bare });
  }
  return rows;
}

function printRows(title: string, rows: readonly CodecRow[], baseline: string): void {
  console.log(`\n${title}`);
  console.log(`${'file'.padEnd(30)} ${'codec'.padEnd(13)} ${'MB out'.padStart(7)} ${'read MB/s'.padStart(10)} ` +
    `${'bare MB/s'.padStart(10)} ${'read/bare'.padStart(10)} ${'(by CPU)'.padStart(9)} ${`vs ${baseline} read`.padStart(14)} ${'(by CPU)'.padStart(9)}`);
  const pct = (x: number): string => (Number.isFinite(x) ? `${fmt(100 * x)}%` : '—');
  const times = (x: number): string => (Number.isFinite(x) ? `${fmt(x, 2)}x` : '—');
  for (const r of rows) {
    const base = rows.find((x) => x.name === r.name && x.codec === baseline);
    const bare = r.bare ?? { wall: Number.NaN, cpu: Number.NaN };
    console.log(`${r.name.padEnd(30)} ${r.codec.padEnd(13)} ${fmt(r.mb, 2).padStart(7)} ${fmt(r.mb / r.read.wall).padStart(10)} ` +
      `${(r.bare ? fmt(r.mb / bare.wall) : '—').padStart(10)} ${pct(bare.wall / r.read.wall).padStart(10)} ` +
      `${pct(bare.cpu / r.read.cpu).padStart(9)} ` +
      `${times(base ? base.read.wall / r.read.wall : Number.NaN).padStart(14)} ${times(base ? base.read.cpu / r.read.cpu : Number.NaN).padStart(9)}`);
  }
}

/** Runs the codec benchmark and prints its two tables. */
export async function codecBenchmark(options: { events?: number; runs?: number } = {}): Promise<void> {
  const runs = options.runs ?? 5;
  const events = options.events ?? 1_000_000;
  console.log(`\nDecompression: cortado's read path vs bare native decompression of the same bytes (median of ${runs} runs)`);
  printRows('ROOT (shared compression variants, all branches, metadata warm):', await rootRows(runs), 'zlib');
  const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-codecs-'));
  try {
    printRows('Parquet (generated demo events, all columns):', await parquetRows(dir, events, runs), 'GZIP');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  await codecBenchmark({ events: arg('events', 1_000_000), runs: arg('runs', 5) });
}
