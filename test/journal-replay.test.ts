/**
 * The journal's replay folds records from their serialized form (histogram cells in binary, only
 * the nonzero ones when few): the restored result must be exactly the merge of what was recorded,
 * bit for bit, for every kind of result, and journals of JSON-only records (written before) still
 * read the same.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../src/journal/frame.ts';
import { JournalCheckpoint } from '../src/journal/journal-checkpoint.ts';
import { cloneResult, EMPTY, merge, type Empty } from '../src/protocol/result.ts';
import { category } from '../src/results/category.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { serializeResult } from '../src/results/serialize.ts';

const root = mkdtempSync(join(tmpdir(), 'cortado-replay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let serial = 0;

/** The i-th batch's partial: sparse and dense histograms, a growing category, numbers, a Map, odd floats. */
function partial(i: number): unknown {
  const sparse = new Hist(regular(60, 60, 120, { name: 'mass' }));
  sparse.fill({ mass: new Float64Array([60 + ((i * 7.31) % 60)]) });
  const dense = new Hist(regular(10, 0, 1, { name: 'x' }), category(['a', 'b'], { name: 'c' }));
  const xs = Float64Array.from({ length: 50 }, (_, k) => ((k * 0.0173 + i * 0.311) % 1.2) - 0.1);
  dense.fill({ x: xs, c: Array.from(xs, (_, k) => (k % 3 ? 'a' : 'b')) }, { weight: Float64Array.from(xs, (x) => x * 0.1 + 1 / 3) });
  const grown = new Hist(category([], { name: 'dataset', growth: true }));
  grown.fill({ dataset: [`d${i % 3}`] });
  return {
    events: 1000 + i,
    sum: i * 0.1 + 1 / 7,
    hists: { sparse, dense, grown },
    perFile: new Map([[`f${i % 4}`, i]]),
    odd: i === 5 ? Number.NaN : 0.5,
  };
}

function reopen(path: string, key: { key: string; size: number }): JournalCheckpoint {
  const reader = JournalCheckpoint.open({ path }, key);
  return reader;
}

describe('journal replay', () => {
  const n = 40;
  const computable = { key: 'replay', size: n };
  const expected = (): unknown => {
    let acc: unknown = EMPTY;
    for (let i = 0; i < n; i++) acc = merge(acc as Empty, cloneResult(partial(i)) as Empty);
    return acc;
  };

  it('restores exactly the merge of the recorded partials (bit for bit)', async () => {
    const path = join(root, `j-${serial++}`);
    const writer = JournalCheckpoint.open({ path, compactRecords: 1e9 }, computable);
    for (let i = 0; i < n; i++) writer.record([[i, i + 1]], new Map([['G', partial(i)]]));
    writer.abandon();
    rmSync(join(path, 'lock'));
    const reader = reopen(path, computable);
    expect(reader.stats.restoredRecords).toBe(n);
    const restored = reader.restored!.results.get('G');
    expect(JSON.stringify(serializeResult(restored))).toBe(JSON.stringify(serializeResult(expected())));
    expect((restored as { hists: { sparse: Hist } }).hists.sparse).toBeInstanceOf(Hist);
    await reader.close('cancelled');
  });

  it('snapshots what it folded live, bit for bit, through compactions and a resume that merges into what it restored', async () => {
    const path = join(root, `j-${serial++}`);
    // Compacted every 7 records: each snapshot is written from the folds kept while recording.
    const first = JournalCheckpoint.open({ path, compactRecords: 7 }, computable);
    for (let i = 0; i < n / 2; i++) first.record([[i, i + 1]], new Map([['G', partial(i)]]));
    expect(first.stats.compactions).toBe(Math.floor(n / 2 / 7));
    first.abandon();
    rmSync(join(path, 'lock'));
    const second = JournalCheckpoint.open({ path, compactRecords: 7 }, computable);
    expect(second.restored!.completed).toEqual([[0, n / 2]]);
    // The task merges into the restored values in place: the checkpoint's own folds must not change.
    merge(second.restored!.results.get('G') as Empty, cloneResult(partial(0)) as Empty);
    for (let i = n / 2; i < n; i++) second.record([[i, i + 1]], new Map([['G', partial(i)]]));
    await second.close('cancelled');
    const reader = reopen(path, computable);
    expect(reader.stats.restoredRecords).toBe(0);
    expect(reader.restored!.completed).toEqual([[0, n]]);
    expect(JSON.stringify(serializeResult(reader.restored!.results.get('G')))).toBe(JSON.stringify(serializeResult(expected())));
    await reader.close('cancelled');
  });

  it('reads journals of JSON records (as written before binary cells) to the same result, and both kinds mixed', async () => {
    const path = join(root, `j-${serial++}`);
    const writer = JournalCheckpoint.open({ path, compactRecords: 1e9 }, computable);
    for (let i = 0; i < n / 2; i++) writer.record([[i, i + 1]], new Map([['G', partial(i)]]));
    writer.abandon();
    rmSync(join(path, 'lock'));
    for (let i = n / 2; i < n; i++) appendFileSync(join(path, 'journal.log'), encodeFrame(JSON.stringify({ c: [[i, i + 1]], r: [['G', serializeResult(partial(i))]] })));
    const reader = reopen(path, computable);
    expect(reader.stats.restoredRecords).toBe(n);
    expect(JSON.stringify(serializeResult(reader.restored!.results.get('G')))).toBe(JSON.stringify(serializeResult(expected())));
    await reader.close('cancelled');
  });

  it('refuses a record whose histogram cells point outside it, naming the record', () => {
    const path = join(root, `j-${serial++}`);
    const writer = JournalCheckpoint.open({ path, compactRecords: 1e9 }, computable);
    writer.record([[0, 1]], new Map([['G', partial(0)]]));
    writer.abandon();
    rmSync(join(path, 'lock'));
    const bad = JSON.stringify({ c: [[1, 2]], r: [['G', { type: 'cortado.Result', version: 1, value: { $type: 'cortado.journal.HistCells', axes: '[]', cells: [0, 62] } }]] });
    appendFileSync(join(path, 'journal.log'), encodeFrame(bad));
    expect(() => reopen(path, computable)).toThrow(/damaged in record 2: .*cells \[0,62\] lie outside/);
  });
});
