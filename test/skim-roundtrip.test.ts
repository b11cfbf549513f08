/**
 * Skims of the shared NanoAOD samples, read back with cortado's own reader and compared value for
 * value (jagged columns included) against selecting the same events directly; the skim's
 * `toDataGroup()` feeds a second pass that gives the same histogram as one pass with the selection.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import type { Column, JaggedColumn } from '../src/io/columns.ts';
import { dataGroup, dataset } from '../src/io/dataset/dataset.ts';
import type { EventsInput } from '../src/io/dataset/context.ts';
import { selectEvents } from '../src/io/events/masks.ts';
import { openSource } from '../src/io/open.ts';
import { preprocess } from '../src/io/prepare/preprocess.ts';
import { SkimResult, toDataGroup } from '../src/io/skim/result.ts';
import { skim } from '../src/io/skim/skim.ts';
import { Hist } from '../src/results/hist.ts';
import { regular } from '../src/results/regular.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const roots: string[] = [];
function tempOut(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-skim-'));
  roots.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** Events with at least two muons; nothing at all for the dataset `None`. */
function twoMuons({ events, context }: EventsInput<{ xsec: number }>): Uint8Array {
  if (context.dataset === 'None') return new Uint8Array(events.length);
  return Uint8Array.from(events.Muon.counts, (n) => (n >= 2 ? 1 : 0));
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

function expectSameColumn(name: string, got: Column | undefined, want: Column): void {
  expect(got, name).toBeDefined();
  if (ArrayBuffer.isView(want)) {
    expect(ArrayBuffer.isView(got), `${name} is flat`).toBe(true);
    expect((got as object).constructor.name, `${name} type`).toBe(want.constructor.name);
    expect(Array.from(got as ArrayLike<number>), name).toEqual(Array.from(want as ArrayLike<number>));
    return;
  }
  expect(ArrayBuffer.isView(got), `${name} is jagged`).toBe(false);
  const jagged = got as JaggedColumn;
  expect(Array.from(jagged.offsets), `${name} offsets`).toEqual(Array.from(want.offsets));
  expect(jagged.values.constructor.name, `${name} values type`).toBe(want.values.constructor.name);
  expect(Array.from(jagged.values as ArrayLike<number>), `${name} values`).toEqual(Array.from(want.values as ArrayLike<number>));
}

describeWithData('skim round trip', () => {
  const group = dataGroup([
    dataset('DY', [nano('nano_dy.root')], { xsec: 2.5 }),
    dataset('Dimuon', [nano('nano_dimuon.parquet')], { xsec: 1 }),
    dataset('None', [nano('nano_dy.parquet')], { xsec: 7 }),
  ]);

  it('writes each chunk’s selection to its own Parquet file that reads back value for value, jagged columns included', async () => {
    const out = tempOut();
    await using backend = inline();
    const prepared = await preprocess(backend, group, { stepSize: 16 });
    const columns = ['Muon_*', 'MET_pt', 'run', 'event', 'HLT_IsoMu24'];
    const result = await backend.compute(prepared.mapSteps(skim(twoMuons, { out, columns }))).result();

    expect(Object.keys(result).sort()).toEqual(['DY', 'Dimuon', 'None']);
    expect(result.None!.files).toEqual([]);
    expect(result.None!.scanned).toEqual({ None: 40 });
    expect(result.DY!.scanned).toEqual({ DY: 40 });
    // Files only, each where its name says, no temporary file left.
    const written = [...result.DY!.files, ...result.Dimuon!.files];
    expect(allFiles(out).sort()).toEqual(written.map((f) => f.path).sort());
    for (const f of written) {
      expect(f.path.startsWith(join(out, f.dataset) + '/')).toBe(true);
      expect(f.path).toMatch(new RegExp(`-${f.source.start}-${f.source.stop}\\.parquet$`));
    }

    let total = 0;
    for (const f of written) {
      await using source = await openSource(f.source.path, f.source.treename);
      const names = source.branches.map((b) => b.name).filter((n) => /^Muon_/.test(n) || ['nMuon', 'MET_pt', 'run', 'event', 'HLT_IsoMu24'].includes(n));
      const direct = await source.read(names, f.source.start, f.source.stop);
      const mask = Uint8Array.from({ length: f.source.stop - f.source.start }, (_, i) => {
        const offsets = (direct.Muon_pt as { offsets: Int32Array }).offsets;
        return offsets[i + 1]! - offsets[i]! >= 2 ? 1 : 0;
      });
      const kept = mask.reduce((a, b) => a + b, 0);
      expect(f.entries).toBe(kept);
      total += kept;
      await using skimmed = await openSource(f.path, 'Events');
      expect(skimmed.format).toBe('parquet');
      expect(skimmed.entries).toBe(kept);
      expect(skimmed.branches.map((b) => b.name).sort()).toEqual([...names].sort());
      // Same stored types as the source (bool stays bool, uint32 counters stay uint32).
      for (const b of skimmed.branches) expect(b.kind, b.name).toBe(source.branches.find((s) => s.name === b.name)!.kind);
      const back = await skimmed.read(names, 0, kept);
      for (const name of names) expectSameColumn(name, back[name], selectEvents(direct[name]!, mask));
    }
    expect(total).toBeGreaterThan(0);
    expect(result.DY!.entries + result.Dimuon!.entries).toBe(total);
  });

  it('writes every column by default, and ZSTD pages unless told otherwise', async () => {
    const out = tempOut();
    await using backend = inline();
    const one = await preprocess(backend, dataset('DY', [nano('nano_dy.root')], { xsec: 2.5 }), { stepSize: 40 });
    const result = await backend.compute(one.mapSteps(skim(twoMuons, { out }))).result();
    const [file] = result.files;
    await using source = await openSource(nano('nano_dy.root'), 'Events');
    await using skimmed = await openSource(file!.path, 'Events');
    expect(skimmed.branches.map((b) => b.name)).toEqual(source.branches.map((b) => b.name));
    const { parquetMetadataAsync } = await import('hyparquet');
    const { asyncBufferFromFile } = await import('hyparquet');
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file!.path));
    const codecs = new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)));
    expect([...codecs]).toEqual(['ZSTD']);
    const names = ['nMuon', 'Muon_pt', 'Jet_pt', 'nJet', 'HLT_IsoMu24', 'PV_npvs', 'luminosityBlock', 'event'].filter((n) => source.branches.some((b) => b.name === n));
    const direct = await source.read(names, 0, 40);
    const back = await skimmed.read(names, 0, file!.entries);
    const counts = (direct.Muon_pt as { offsets: Int32Array }).offsets;
    const mask = Uint8Array.from({ length: 40 }, (_, i) => (counts[i + 1]! - counts[i]! >= 2 ? 1 : 0));
    for (const name of names) expectSameColumn(name, back[name], selectEvents(direct[name]!, mask));
  });

  it('toDataGroup() feeds a second pass that gives the same histogram as one pass with the selection, metadata carried over', async () => {
    const out = tempOut();
    await using backend = inline();
    const prepared = await preprocess(backend, group, { stepSize: 16 });
    const result = await backend.compute(prepared.mapSteps(skim(twoMuons, { out, columns: ['Muon_*'] }))).result();
    const next = toDataGroup(result);
    expect(next.datasets.map((d) => d.name)).toEqual(['DY', 'Dimuon', 'None']);
    expect(next.dataset('DY')!.metadata).toEqual({ xsec: 2.5 });
    expect(next.dataset('None')!.files).toEqual([]);

    const fill = (events: EventsInput<{ xsec: number }>['events'], xsec: number) => {
      const h = new Hist(regular(20, 0, 100, { name: 'pt' }));
      h.fill({ pt: events.Muon.pt.values as Float32Array }, { weight: xsec });
      return h;
    };
    const secondPass = await backend.compute(next.mapSteps(({ events, context }: EventsInput<Record<string, unknown>>) => fill(events, context.metadata.xsec as number))).result();
    const onePass = await backend
      .compute(
        prepared.mapSteps((input) => {
          const mask = twoMuons(input);
          const h = new Hist(regular(20, 0, 100, { name: 'pt' }));
          h.fill({ pt: selectEvents(input.events.Muon.pt, mask).values as Float32Array }, { weight: input.context.metadata.xsec });
          return h;
        }),
      )
      .result();
    for (const name of ['DY', 'Dimuon'] as const) {
      expect(Array.from(secondPass[name]!.values())).toEqual(Array.from(onePass[name]!.values()));
    }
    expect(secondPass.None).toBeUndefined();
    expect(Array.from(onePass.None!.values()).every((v) => v === 0)).toBe(true);
  });

  it('a retried chunk overwrites its file: running the skim twice leaves the same files and events', async () => {
    const out = tempOut();
    await using backend = inline();
    const prepared = await preprocess(backend, group, { stepSize: 16 });
    const first = await backend.compute(prepared.mapSteps(skim(twoMuons, { out, columns: ['nMuon'] }))).result();
    const before = allFiles(out).sort();
    const mtimes = before.map((p) => statSync(p).mtimeMs);
    const second = await backend.compute(prepared.mapSteps(skim(twoMuons, { out, columns: ['nMuon'] }))).result();
    expect(allFiles(out).sort()).toEqual(before);
    expect(toDataGroup(second).datasets.map((d) => d.files.length)).toEqual(toDataGroup(first).datasets.map((d) => d.files.length));
    expect(before.map((p) => statSync(p).mtimeMs).every((m, i) => m >= mtimes[i]!)).toBe(true);
    expect(second.DY).toBeInstanceOf(SkimResult);
    expect(second.DY!.entries).toBe(first.DY!.entries);
  });
});
