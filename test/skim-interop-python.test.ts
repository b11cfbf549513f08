/**
 * Skim files read by independent readers: pyarrow and polars, in Python, must see the same column
 * names, types and values as cortado's own reader.
 *
 * Runs only where `python3 -c 'import pyarrow, polars'` works (install them with
 * `pip install pyarrow polars`); otherwise it skips with that message — also under CI, on purpose:
 * the CI machine has no Python package index and Debian has no pyarrow, so it cannot install them.
 * The interop test that CI does run uses an npm-installable reader (skim-interop.test.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import type { JaggedColumn } from '../src/io/columns.ts';
import { dataset } from '../src/io/dataset/dataset.ts';
import { openSource } from '../src/io/open.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { skim } from '../src/io/skim/skim.ts';
import { DATA_DIR, hasData } from './helpers/data.ts';
import { pyFloatRepr } from './helpers/py-repr.ts';

const hasPython = spawnSync('python3', ['-c', 'import pyarrow, polars'], { stdio: 'ignore' }).status === 0;
if (!hasPython) console.warn("[skip] skim interop with pyarrow and polars: python3 cannot import them (pip install pyarrow polars); not a CI failure: CI cannot install them");
if (!hasData) console.warn(`[skip] skim interop with pyarrow and polars: shared data folder ${DATA_DIR} is absent`);

const ARROW: Record<string, string> = {
  bool: 'bool', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32',
  int64: 'int64', uint64: 'uint64', float32: 'float', float64: 'double',
};
const POLARS: Record<string, string> = {
  bool: 'Boolean', int8: 'Int8', uint8: 'UInt8', int16: 'Int16', uint16: 'UInt16', int32: 'Int32', uint32: 'UInt32',
  int64: 'Int64', uint64: 'UInt64', float32: 'Float32', float64: 'Float64',
};

interface PyColumn { name: string; arrow: string; list: boolean; polars: string; values: unknown[]; polarsSame: boolean }
interface PyFile { path: string; rows: number; polarsRows: number; columns: PyColumn[] }

/** A value as the Python script prints it: floats by repr (shortest round-trip digits, like JS), NaN as "NaN". */
function plain(value: number | bigint, kind: string): unknown {
  if (kind === 'bool') return value !== 0;
  if (kind === 'float32' || kind === 'float64') {
    const n = Number(value);
    if (Number.isNaN(n)) return 'NaN';
    return pyFloatRepr(n);
  }
  return Number(value);
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(hasPython && hasData)('skim files read by pyarrow and polars', () => {
  it('gives the same column names, types and values as cortado’s reader, jagged columns as lists', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cortado-skim-py-'));
    dirs.push(out);
    await using backend = inline();
    const ds = await preprocess(backend, dataset('TT', [join(DATA_DIR, 'nanoaod', 'nano_tt_v12.root')]), { stepSize: 100 });
    const result = await backend
      .compute(ds.mapSteps(skim(({ events }) => Uint8Array.from(events.Muon.counts, (n) => (n >= 1 ? 1 : 0)), { out, columns: ['Muon_*', 'Jet_pt', 'Jet_jetId', 'MET_*', 'HLT_IsoMu24', 'event', 'run', 'luminosityBlock', 'PV_npvs'] })))
      .result();
    expect(result.files.length).toBe(2);
    const files = JSON.parse(execFileSync('python3', [join(import.meta.dirname, 'fixtures/skim/read_with_python.py'), ...result.files.map((f) => f.path)], { encoding: 'utf8', maxBuffer: 1 << 28 })) as PyFile[];
    for (const [k, py] of files.entries()) {
      const file = result.files[k]!;
      await using mine = await openSource(file.path, 'Events');
      expect(py.rows).toBe(file.entries);
      expect(py.polarsRows).toBe(file.entries);
      expect(py.columns.map((c) => c.name)).toEqual(mine.branches.map((b) => b.name));
      const columns = await mine.read(mine.branches.map((b) => b.name), 0, mine.entries);
      for (const branch of mine.branches) {
        const col = py.columns.find((c) => c.name === branch.name)!;
        expect(col.arrow, branch.name).toBe(ARROW[branch.kind]);
        expect(col.list, branch.name).toBe(branch.jagged);
        expect(col.polars, branch.name).toBe(branch.jagged ? `List(${POLARS[branch.kind]})` : POLARS[branch.kind]);
        expect(col.polarsSame, `${branch.name}: polars and pyarrow agree`).toBe(true);
        const column = columns[branch.name]!;
        const want = ArrayBuffer.isView(column)
          ? Array.from(column as unknown as ArrayLike<number | bigint>, (v) => plain(v, branch.kind))
          : Array.from({ length: (column as JaggedColumn).offsets.length - 1 }, (_, i) => {
              const { offsets, values } = column as JaggedColumn;
              return Array.from(values.subarray(offsets[i]!, offsets[i + 1]!) as unknown as ArrayLike<number | bigint>, (v) => plain(v, branch.kind));
            });
        expect(col.values, branch.name).toEqual(want);
      }
    }
  }, 60_000);
});
