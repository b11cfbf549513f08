/**
 * The byte-source layer's costs, in one run (part of `bench/io.ts`; alone: `npx tsx bench/bytes.ts`):
 * - Warm local reads of every basket of a NanoAOD file (page cache warm): synchronous `readSync`
 *   per basket (the ROOT reader's way before) against `LocalFileSource` async reads per basket
 *   and coalesced (`readRanges`: neighbours within 32 KiB read as one) — what reads that never
 *   block the event loop cost.
 * - A generated ZSTD Parquet file read whole over loopback HTTP (a `node:http` range server in
 *   this process) against the same file read locally.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coalesce, LocalFileSource, readRanges, type ByteSpan } from '../src/io/bytes/index.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { DATA_DIR } from '../test/helpers/data.ts';
import { startRangeServer } from '../test/helpers/range-server.ts';
import { readParquetAll, timeIt, writeParquet } from './codecs.ts';

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function basketRanges(path: string): Promise<ByteSpan[]> {
  await using file = await openRootFile(path);
  const tree = await file.tree('Events');
  const out: ByteSpan[] = [];
  for (const name of tree.allBranchNames()) {
    for (const ref of tree.layout(name)?.baskets ?? []) if (!ref.embedded) out.push({ position: ref.seek, length: ref.bytes });
  }
  return out;
}

function readSyncEach(path: string, ranges: readonly ByteSpan[]): number {
  const fd = openSync(path, 'r');
  let n = 0;
  try {
    for (const r of ranges) {
      const b = Buffer.allocUnsafeSlow(r.length);
      n += readSync(fd, b, 0, r.length, r.position);
    }
  } finally {
    closeSync(fd);
  }
  return n;
}

/** Runs the byte-source benchmark and prints its two tables. */
export async function byteSourceBenchmark(options: { runs?: number; events?: number } = {}): Promise<void> {
  const runs = options.runs ?? 5;
  const path = join(DATA_DIR, 'nanoaod', 'nano_tt_v15.root');
  const ranges = await basketRanges(path);
  const mb = ranges.reduce((a, r) => a + r.length, 0) / 1e6;
  const spans = coalesce(ranges);
  console.log(`\nWarm local reads: ${ranges.length} baskets (${fmt(mb, 1)} MB) of nano_tt_v15.root, ${spans.length} coalesced reads ` +
    `(median of ${runs} runs)`);
  const rows: [string, number][] = [];
  rows.push(['readSync per basket (before)', await timeIt(() => readSyncEach(path, ranges), runs)]);
  rows.push(['readSync coalesced', await timeIt(() => readSyncEach(path, spans), runs)]);
  rows.push(['async per basket (LocalFileSource)', await timeIt(async () => {
    await using s = await LocalFileSource.open(path);
    await Promise.all(ranges.map((r) => s.read(r.position, r.length)));
  }, runs)]);
  rows.push(['async coalesced (readRanges)', await timeIt(async () => {
    await using s = await LocalFileSource.open(path);
    await readRanges(s, ranges);
  }, runs)]);
  const base = rows[0]![1];
  for (const [name, seconds] of rows) {
    console.log(`  ${name.padEnd(38)} ${fmt(seconds * 1e3, 2).padStart(8)} ms  ${fmt(mb / seconds).padStart(7)} MB/s  ` +
      `${fmt(base / seconds, 2).padStart(6)}x readSync per basket`);
  }

  const events = options.events ?? 500_000;
  const dir = mkdtempSync(join(tmpdir(), 'cortado-bench-bytes-'));
  const server = await startRangeServer();
  try {
    const file = join(dir, 'demo-zstd.parquet');
    writeParquet(file, 'ZSTD', events);
    const size = statSync(file).size / 1e6;
    const url = server.serve(file);
    const local = await timeIt(() => readParquetAll(file), runs);
    const before = server.stats.requests;
    const remote = await timeIt(() => readParquetAll(url), runs);
    console.log(`\nParquet (ZSTD, ${fmt(events)} demo events, ${fmt(size, 1)} MB) read whole, median of ${runs} runs:`);
    console.log(`  local file                ${fmt(local * 1e3).padStart(6)} ms  ${fmt(events / local).padStart(10)} events/s`);
    console.log(`  loopback HTTP             ${fmt(remote * 1e3).padStart(6)} ms  ${fmt(events / remote).padStart(10)} events/s  ` +
      `(${fmt((100 * local) / remote)}% of local; ${server.stats.requests - before} range requests over ${server.stats.sockets} connections)`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  await byteSourceBenchmark({ runs: arg('runs', 5), events: arg('events', 500_000) });
}
