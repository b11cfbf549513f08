/**
 * Decompression throughput of each codec on cortado's read path against bare native
 * decompression of the same bytes, in one run (part of `bench/io.ts --only codecs`; alone:
 * `npx tsx bench/codecs.ts [--runs 5] [--root-events 1000000] [--basket 100000] [--codecs zlib,lz4,zstd,lzma]
 * [--keep <dir>] [--events 1000000] [--no-shared]`; `--events 0` skips Parquet, `--root-events 0` the generated trees).
 *
 * - ROOT, generated: `--root-events` NanoAOD-like events (13 branches, flat and jagged) written by
 *   the test writer (`test/fixtures/root`) once per codec, `--basket` entries per basket (ZLIB,
 *   LZ4, ZSTD, LZMA through `xz`), each file read back and compared with the arrays written
 *   before it is timed; read whole (one call), and by cluster (one call per cluster, as the runtime
 *   reads), metadata warm.
 * - ROOT, shared: the compression variants (uproot-HZZ, uproot-Zmumu × zlib/lz4/zstd/lzma), small
 *   files of small baskets, read whole (every readable branch), metadata warm (`--no-shared`: skip).
 * - Bare, for both: the same baskets' blocks, already in memory, through the bare decoder
 *   (node:zlib inflate through one reused native context into one buffer of the known size, lz4-napi
 *   on the block already framed as it takes it, node:zlib ZSTD through one reused native context or
 *   libzstd-wasm, @napi-rs/lzma) — decompression alone, no reading, no checksum, no decoding. For
 *   zlib and ZSTD the bare decoder is the read path's own (`inflateZlib`, `decompressZstd`), so their
 *   ratios are the reader's cost alone; figures measured before the zlib side changed used
 *   `inflateSync` per block (a new stream and native context each), an easier bare side. Under the
 *   ROOT table, the generated tree's zlib and ZSTD blocks through each decoder this Node has.
 * - Parquet: one generated file of `--events` demo events per codec (same events), every
 *   column read. Bare: the same pages (captured during a read), through the bare decoder.
 * MB/s are of decompressed output; read path / bare is the fraction of the native limit reached.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib, { inflateSync, gunzipSync } from 'node:zlib';
import wasmZstd from '@foxglove/wasm-zstd';
import { decompressXzSync, decompressZstd, lz4DecodeNative, parquetPageCompressors, zstdDecoder } from '../src/io/decompress/index.ts';
import { inflateZlib, zlibInflater } from '../src/io/decompress/zlib.ts';
import { loadNative } from '../src/io/decompress/native.ts';
import { outputChunk } from '../src/io/decompress/output.ts';
import { ColumnarParquetWriter } from '../src/io/demo/columnar-writer.ts';
import { DEMO_COLUMNS, demoGroupColumns } from '../src/io/demo/generate.ts';
import { generateBlock } from '../src/io/demo/physics.ts';
import { Random } from '../src/io/demo/random.ts';
import { parquetCompressors } from '../src/io/parquet/compressors.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import type { Column } from '../src/io/columns.ts';
import { openRootFile, openRootTree, type RootTree } from '../src/io/root/index.ts';
import { demoTreeBranches, writeDemoTree } from '../test/fixtures/root/demo-tree.ts';
import type { TreeBranch } from '../test/fixtures/root/write-tree.ts';
import type { Codec } from '../test/fixtures/rntuple/compress.ts';
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
  /** The block body; for L4, the LZ4 data framed as lz4-napi takes it (size first, no checksum). */
  readonly body: Uint8Array;
  readonly usize: number;
}

type Lz4Napi = { uncompressSync(data: Uint8Array): Buffer };
const lz4Napi = loadNative<Lz4Napi>('lz4-napi');

function bareDecode(blocks: readonly Block[]): number {
  let out = 0;
  for (const b of blocks) {
    // The read path's own decoders: one reused native zlib context, one reused libzstd context (or
    // kept wasm regions) per thread. Node's inflateSync and zstdDecompressSync, a new stream and
    // context per block, are slower (the lines under the ROOT table; see docs/performance.md).
    if (b.tag === 'ZL') out += inflateZlib(b.body, b.usize).length;
    else if (b.tag === 'ZS') out += decompressZstd(b.body, b.usize).length;
    else if (b.tag === 'L4') out += lz4Napi!.uncompressSync(b.body).length;
    else if (b.tag === 'XZ') out += decompressXzSync(b.body)!.length;
    else out += b.usize;
  }
  return out;
}

/** Every compression block of the baskets of `names` in the file `bytes`, and their decompressed megabytes. */
function basketBlocks(bytes: Buffer, tree: RootTree, names: readonly string[]): { blocks: Block[]; mb: number } {
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
        const tag = bytes.toString('latin1', s, s + 2);
        let body: Uint8Array = new Uint8Array(bytes.subarray(s + 9, s + 9 + csize));
        if (tag === 'L4') {
          const framed = Buffer.alloc(csize - 8 + 4);
          framed.writeUInt32LE(usize, 0);
          framed.set(body.subarray(8), 4);
          body = framed;
        }
        blocks.push({ tag, body, usize });
        s += 9 + csize;
      }
    }
  }
  return { blocks, mb };
}

/** The shared compression variants: small files with small baskets (per-basket costs dominate). */
async function sharedRootRows(runs: number): Promise<CodecRow[]> {
  const rows: CodecRow[] = [];
  for (const sample of ['uproot-HZZ', 'uproot-Zmumu']) {
    for (const codec of ['zlib', 'lz4', 'zstd', 'lzma']) {
      const path = join(DATA_DIR, 'compression', `${sample}-${codec}.root`);
      await using file = await openRootFile(path);
      const tree = await file.tree('events');
      const names = tree.branches.map((b) => b.name);
      const { blocks, mb } = basketBlocks(readFileSync(path), tree, names);
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

/** The bare decoder over every block of `names`' baskets in `bytes` (for `bench/root-read.ts`). */
export function bareRootBlocks(bytes: Buffer, tree: RootTree, names: readonly string[]): { bare: () => number; mb: number } {
  const { blocks, mb } = basketBlocks(bytes, tree, names);
  return { bare: () => bareDecode(blocks), mb };
}

/** Compares what cortado read with the arrays written, byte for byte; throws on any difference. */
export function validateColumns(columns: Record<string, Column>, branches: readonly TreeBranch[], path: string): void {
  const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
    Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
  for (const b of branches) {
    const got = columns[b.name];
    const values = got && !ArrayBuffer.isView(got) ? (got as { values: ArrayBufferView }).values : got;
    const offsets = got && !ArrayBuffer.isView(got) ? (got as { offsets: Int32Array }).offsets : undefined;
    if (!values || !same(values as ArrayBufferView, b.values) || (b.offsets && (!offsets || !same(offsets, b.offsets)))) {
      throw new Error(`${path}: branch ${b.name} read back differs from the values written`);
    }
  }
}

/**
 * Generated NanoAOD-like trees of `events` events, one per codec (the same events), baskets of
 * `basketEntries` entries; each validated against the arrays written before it is timed.
 */
async function generatedRootRows(dir: string, events: number, basketEntries: number, runs: number,
  codecs: readonly Codec[], keep: boolean): Promise<CodecRow[]> {
  const rows: CodecRow[] = [];
  const clusterRows: CodecRow[] = [];
  const branches = demoTreeBranches(events);
  const names = branches.map((b) => b.name);
  for (const codec of codecs) {
    const path = join(dir, `demo-${events}-${basketEntries}-${codec}.root`);
    const t0 = performance.now();
    if (!keep || !existsSync(path)) writeDemoTree(path, branches, events, codec, basketEntries);
    const bytes = readFileSync(path);
    {
      await using file = await openRootFile(path);
      const tree = await file.tree('Events');
      validateColumns(await tree.read(names, 0, tree.entries), branches, path);
      const { blocks, mb } = basketBlocks(bytes, tree, names);
      console.error(`  wrote and checked ${path}: ${fmt(bytes.length / 1e6, 1)} MB on disk, ${fmt(mb, 1)} MB of baskets ` +
        `(${fmt((performance.now() - t0) / 1000, 1)} s)`);
      const [read, bare] = await timePair(async () => {
        await using t = await openRootTree(path, 'Events');
        await t.read(names, 0, t.entries);
      }, () => bareDecode(blocks), runs);
      rows.push({ name: `demo ${fmt(events)} events.root`, codec, mb, read, bare });
      // As the runtime reads: one chunk per cluster (each basket read whole, handed out uncopied).
      const [byCluster, bare2] = await timePair(async () => {
        await using t = await openRootTree(path, 'Events');
        const bounds = t.clusters;
        for (let i = 0; i + 1 < bounds.length; i++) await t.read(names, bounds[i]!, bounds[i + 1]!);
      }, () => bareDecode(blocks), runs);
      clusterRows.push({ name: `demo ${fmt(events)} by cluster`, codec, mb, read: byCluster, bare: bare2 });
      if (codec === 'zstd' || codec === 'zlib') decoderNotes.push(...await blockDecoders(codec, blocks, mb, runs));
    }
    if (!keep) rmSync(path);
  }
  return [...rows, ...clusterRows];
}

/** Lines printed under the ROOT table: the generated tree's zlib and ZSTD blocks through each available decoder. */
const decoderNotes: string[] = [];

type Decoder = [name: string, decode: (b: Block) => unknown];

/**
 * MB/s (wall, CPU) of the generated tree's `codec` blocks through each decoder this Node has: the
 * read path's (zlib: one reused native context; ZSTD: one reused native context, or kept wasm
 * regions), Node's per-call sync function (a new stream and context per block), and for ZSTD the
 * wasm package's own per-call `decompress`.
 */
async function blockDecoders(codec: 'zlib' | 'zstd', blocks: readonly Block[], mb: number, runs: number): Promise<string[]> {
  const ways: Decoder[] = [];
  if (codec === 'zlib') {
    ways.push(['read path decoder (inflateZlib)', (b) => inflateZlib(b.body, b.usize)],
      ['node:zlib inflateSync per block', (b) => inflateSync(b.body, { chunkSize: outputChunk(b.usize) })]);
  } else {
    const perCall = (zlib as typeof zlib & { zstdDecompressSync?: (i: Uint8Array, o?: { chunkSize?: number }) => Buffer }).zstdDecompressSync;
    ways.push(['read path decoder (decompressZstd)', (b) => decompressZstd(b.body, b.usize)],
      ...(perCall ? [['node:zlib zstdDecompressSync per block', (b: Block) => perCall(b.body, { chunkSize: outputChunk(b.usize) })] as Decoder] : []),
      ['@foxglove/wasm-zstd decompress per block', (b) => wasmZstd.decompress(b.body, b.usize)]);
  }
  const tag = codec === 'zlib' ? 'ZL' : 'ZS';
  const own = blocks.filter((b) => b.tag === tag);
  const lines: string[] = [];
  for (const [name, fn] of ways) {
    const [t] = await timePair(() => { for (const b of own) fn(b); }, () => undefined, runs);
    lines.push(`  ${name.padEnd(42)} ${fmt(mb / t.wall).padStart(6)} MB/s (${fmt(mb / t.cpu)} by CPU)`);
  }
  return lines;
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
    writer.writeGroup(rows, demoGroupColumns(generateBlock(rng, rows, physics), 1, start + 1));
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
  GZIP: (input, size) => gunzipSync(input, { chunkSize: outputChunk(size) }).length,
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

/** Options of {@link codecBenchmark}. */
export interface CodecBenchOptions {
  /** Parquet events. */
  events?: number;
  /** Events of the generated ROOT trees. */
  rootEvents?: number;
  /** Entries per basket of the generated ROOT trees. */
  basketEntries?: number;
  runs?: number;
  /** Also the shared compression variants. */
  shared?: boolean;
  /** ROOT codecs to generate (default all four). */
  codecs?: readonly Codec[];
  /** Keep the generated ROOT trees in this folder and reuse them in later runs (else a temp folder, removed). */
  dir?: string;
}

/** Runs the codec benchmark and prints its tables. */
export async function codecBenchmark(options: CodecBenchOptions = {}): Promise<void> {
  const runs = options.runs ?? 5;
  const events = options.events ?? 1_000_000;
  const rootEvents = options.rootEvents ?? 1_000_000;
  const basketEntries = options.basketEntries ?? 100_000;
  const codecs = options.codecs ?? ['zlib', 'lz4', 'zstd', 'lzma'];
  console.log(`\nDecompression: cortado's read path vs bare native decompression of the same bytes (median of ${runs} runs, ` +
    `Node ${process.version}, ZSTD by ${zstdDecoder}; bare zlib and ZSTD are the read path's decoders, zlib through ` +
    `${zlibInflater() === 'reused' ? 'one reused native context' : 'inflateSync per block'})`);
  const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-codecs-'));
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  try {
    if (rootEvents > 0) {
      printRows(`ROOT (generated, 13 NanoAOD-like branches, ${fmt(basketEntries)} entries per basket, metadata warm):`,
        await generatedRootRows(options.dir ?? dir, rootEvents, basketEntries, runs, codecs, options.dir !== undefined), 'zlib');
      if (decoderNotes.length > 0) console.log(`zlib and ZSTD blocks of the generated tree, decompression alone:\n${decoderNotes.splice(0).join('\n')}`);
    }
    if (options.shared ?? true) {
      printRows('ROOT (shared compression variants, small baskets, all branches, metadata warm):', await sharedRootRows(runs), 'zlib');
    }
    if (events > 0) printRows('Parquet (generated demo events, all columns):', await parquetRows(dir, events, runs), 'GZIP');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The codec-table options from the command line (`--root-events`, `--basket`, `--codecs`, `--keep`, `--no-shared`). */
export function codecArgs(argv: readonly string[]): CodecBenchOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number): number => Number(value(name) ?? fallback);
  const codecs = value('codecs')?.split(',') as Codec[] | undefined;
  const keep = value('keep');
  return {
    events: num('events', 1_000_000), rootEvents: num('root-events', 1_000_000), basketEntries: num('basket', 100_000),
    runs: num('runs', 5), shared: !argv.includes('--no-shared'), ...(codecs ? { codecs } : {}), ...(keep ? { dir: keep } : {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await codecBenchmark(codecArgs(process.argv));
