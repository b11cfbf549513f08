import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isJagged, type Column, type ColumnSet } from '../src/io/columns.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import type { EventSource } from '../src/io/source.ts';
import { DATA_DIR, describeWithData, hasData } from './helpers/data.ts';
import { compareDigest, digestColumn, type Dtype, type GoldenDigest } from './fixtures/golden/digest.ts';

interface GoldenParquetFile {
  readonly format: 'parquet';
  readonly rows: number;
  readonly skippedColumns: number;
  readonly columns: Record<string, GoldenDigest>;
}

const GOLDEN_DIR = join(DATA_DIR, 'golden');
const golden: Record<string, GoldenParquetFile> = {};
if (hasData) {
  const all = JSON.parse(readFileSync(join(GOLDEN_DIR, 'golden.json'), 'utf8')) as { files: Record<string, { format: string }> };
  for (const [path, file] of Object.entries(all.files)) if (file.format === 'parquet') golden[path] = file as GoldenParquetFile;
}

// The corpus keys a field path with list levels left out, joined by `.` (`Electron.pt`); cortado
// names the same leaf ROOT-style, joined by `_` (`Electron_pt`).
const cortadoName = (key: string) => key.replaceAll('.', '_');

// Concatenates reads of consecutive entry ranges into one column, as a map over steps would see it.
function concat(pieces: readonly Column[]): Column {
  const first = pieces[0]!;
  if (!isJagged(first)) {
    const n = pieces.reduce((a, p) => a + (p as typeof first).length, 0);
    const out = new (first.constructor as new (n: number) => typeof first)(n);
    let at = 0;
    for (const p of pieces) {
      (out as Float64Array).set(p as Float64Array, at);
      at += (p as typeof first).length;
    }
    return out;
  }
  const rows = pieces.reduce((a, p) => a + (p as typeof first).offsets.length - 1, 0);
  const offsets = new Int32Array(rows + 1);
  const values = concat(pieces.map((p) => (p as typeof first).values)) as typeof first.values;
  let row = 0;
  let base = 0;
  for (const p of pieces) {
    const o = (p as typeof first).offsets;
    for (let i = 1; i < o.length; i++) offsets[row + i] = base + o[i]!;
    row += o.length - 1;
    base += (p as typeof first).values.length;
  }
  return { offsets, values };
}

async function readInSteps(source: EventSource, names: readonly string[], step: number): Promise<ColumnSet> {
  const pieces: ColumnSet[] = [];
  for (let start = 0; start < source.entries; start += step) {
    pieces.push(await source.read(names, start, Math.min(source.entries, start + step)));
  }
  if (pieces.length === 0) return source.read(names, 0, 0);
  return Object.fromEntries(names.map((n) => [n, concat(pieces.map((p) => p[n]!))]));
}

function mismatches(file: GoldenParquetFile, source: EventSource, columns: ColumnSet): string[] {
  const kinds = new Map(source.branches.map((b) => [b.name, b.kind]));
  const out: string[] = [];
  for (const [key, expected] of Object.entries(file.columns)) {
    const name = cortadoName(key);
    const digest = digestColumn(columns[name]!, kinds.get(name) as Dtype, source.entries);
    for (const problem of compareDigest(expected, digest)) out.push(`${key}: ${problem}`);
  }
  return out;
}

describeWithData('Parquet golden corpus: every numeric column equals pyarrow, digest for digest', () => {
  it('lists the corpus: the generated files and the NanoAOD samples, nothing skipped', () => {
    const paths = Object.keys(golden);
    expect(paths.filter((p) => p.startsWith('gen/parquet/'))).toHaveLength(12);
    expect(paths.filter((p) => p.startsWith('../nanoaod/'))).toHaveLength(3);
    // Every numeric column pyarrow reads is digested: no column of the corpus is left out.
    expect(Object.values(golden).map((f) => f.skippedColumns)).toEqual(paths.map(() => 0));
  });

  for (const path of Object.keys(golden)) {
    it(`reads every column of ${path} with the golden digests, whole and in steps inside row groups`, async () => {
      const file = golden[path]!;
      await using source = await openParquet(join(GOLDEN_DIR, path));
      expect(source.entries).toBe(file.rows);
      const names = Object.keys(file.columns).map(cortadoName);
      const missing = names.filter((n) => !source.branches.some((b) => b.name === n));
      expect(missing).toEqual([]);
      const whole = await source.read(names, 0, source.entries);
      expect(mismatches(file, source, whole)).toEqual([]);
      // 37-row steps start inside row groups (and pages) of the generated files, as mapSteps reads.
      const stepped = await readInSteps(source, names, 37);
      expect(mismatches(file, source, stepped)).toEqual([]);
    });
  }
});
