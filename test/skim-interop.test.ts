/**
 * Skim files read by an independent Parquet reader that CI can install from npm: DuckDB
 * (`@duckdb/node-api`, a devDependency whose platform package ships its binary: no install script,
 * no download). Column names, types and every value must match cortado's own reading.
 * (pyarrow and polars check the same where Python has them: skim-interop-python.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import type { JaggedColumn } from '../src/io/columns.ts';
import { dataset } from '../src/io/dataset/dataset.ts';
import { openSource } from '../src/io/open.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { skim } from '../src/io/skim/skim.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const DUCK: Record<string, string> = {
  bool: 'BOOLEAN', int8: 'TINYINT', uint8: 'UTINYINT', int16: 'SMALLINT', uint16: 'USMALLINT', int32: 'INTEGER', uint32: 'UINTEGER',
  int64: 'BIGINT', uint64: 'UBIGINT', float32: 'FLOAT', float64: 'DOUBLE',
};

/** One value, the same way from both readers: booleans as booleans, 64-bit integers as strings, the rest as numbers. */
function norm(value: unknown, kind: string): unknown {
  if (kind === 'bool') return typeof value === 'boolean' ? value : value !== 0;
  if (typeof value === 'bigint' || kind === 'int64' || kind === 'uint64') return String(value);
  return Number(value);
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeWithData('skim files read by DuckDB', () => {
  it('gives the same column names, types and values as cortado’s reader, jagged columns as lists', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cortado-skim-duck-'));
    dirs.push(out);
    await using backend = inline();
    const ds = await preprocess(backend, dataset('TT', [join(DATA_DIR, 'nanoaod', 'nano_tt_v12.root')]), { stepSize: 100 });
    const result = await backend
      .compute(ds.mapSteps(skim(({ events }) => Uint8Array.from(events.Muon.counts, (n) => (n >= 1 ? 1 : 0)), { out, columns: ['Muon_*', 'Jet_pt', 'Jet_jetId', 'MET_*', 'HLT_IsoMu24', 'event', 'run', 'luminosityBlock', 'PV_npvs'] })))
      .result();
    expect(result.files.length).toBe(2);
    const db = await DuckDBInstance.create(':memory:');
    const duck = await db.connect();
    try {
      for (const file of result.files) {
        await using mine = await openSource(file.path, 'Events');
        const quoted = `'${file.path.replaceAll("'", "''")}'`;
        const described = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoted})`)).getRowObjectsJS() as Array<{ column_name: string; column_type: string }>;
        expect(described.map((d) => d.column_name)).toEqual(mine.branches.map((b) => b.name));
        const rows = (await duck.runAndReadAll(`SELECT * FROM read_parquet(${quoted})`)).getRowObjectsJS() as Array<Record<string, unknown>>;
        expect(rows.length).toBe(file.entries);
        const columns = await mine.read(mine.branches.map((b) => b.name), 0, mine.entries);
        for (const [k, branch] of mine.branches.entries()) {
          expect(described[k]!.column_type, branch.name).toBe(branch.jagged ? `${DUCK[branch.kind]}[]` : DUCK[branch.kind]);
          const column = columns[branch.name]!;
          const want = ArrayBuffer.isView(column)
            ? Array.from(column as unknown as ArrayLike<number | bigint>, (v) => norm(v, branch.kind))
            : Array.from({ length: (column as JaggedColumn).offsets.length - 1 }, (_, i) => {
                const { offsets, values } = column as JaggedColumn;
                return Array.from(values.subarray(offsets[i]!, offsets[i + 1]!) as unknown as ArrayLike<number | bigint>, (v) => norm(v, branch.kind));
              });
          const got = rows.map((row) => {
            const value = row[branch.name];
            return Array.isArray(value) ? value.map((v) => norm(v, branch.kind)) : norm(value, branch.kind);
          });
          expect(got, branch.name).toEqual(want);
        }
      }
    } finally {
      duck.closeSync();
      db.closeSync();
    }
  }, 60_000);
});
