import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { expect, it } from 'vitest';
import { isJagged, type JaggedColumn } from '../src/io/columns.ts';
import { IoError } from '../src/io/errors.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);

describeWithData('Parquet reader on the NanoAOD samples', () => {
  it('opens nano_dy.parquet with 40 events, one row group and ROOT-style branch names', async () => {
    await using source = await openParquet(nano('nano_dy.parquet'));
    expect(source.format).toBe('parquet');
    expect(source.treename).toBe('Events');
    expect(source.entries).toBe(40);
    expect(source.clusters).toEqual([0, 40]);
    expect(source.uuid).toMatch(/^[0-9a-f]{32}$/);
    const byName = new Map(source.branches.map((b) => [b.name, b]));
    expect(byName.get('nMuon')).toEqual({ name: 'nMuon', kind: 'uint32', jagged: false });
    expect(byName.get('Muon_pt')).toEqual({ name: 'Muon_pt', kind: 'float32', jagged: true, counter: 'nMuon' });
    expect(byName.get('event')?.kind).toBe('uint64');
    expect(byName.get('HLT_IsoMu24')?.kind).toBe('bool');
  });

  it('reads every column of nano_dy and nano_dimuon exactly as hyparquet row objects give them', async () => {
    for (const file of ['nano_dy.parquet', 'nano_dimuon.parquet']) {
      await using source = await openParquet(nano(file));
      const names = source.branches.map((b) => b.name);
      const columns = await source.read(names, 0, source.entries);
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(nano(file)), compressors });
      let mismatches = 0;
      for (const name of names) {
        const column = columns[name]!;
        for (let i = 0; i < source.entries; i++) {
          const expected: unknown = rows[i]![name];
          if (isJagged(column)) {
            const got = Array.from(column.values.subarray(column.offsets[i]!, column.offsets[i + 1]!), Number);
            const want = (expected as unknown[]).map(Number);
            if (JSON.stringify(got) !== JSON.stringify(want)) mismatches++;
          } else {
            const got: unknown = column[i];
            const want = typeof expected === 'boolean' ? Number(expected) : expected;
            if (!Object.is(got, want)) mismatches++;
          }
        }
      }
      expect(mismatches, file).toBe(0);
    }
  });

  it('gives typed arrays per kind: bool as Uint8Array, uint64 as BigUint64Array, lists as jagged', async () => {
    await using source = await openParquet(nano('nano_dimuon.parquet'));
    const c = await source.read(['HLT_IsoMu24', 'event', 'nMuon', 'Muon_pt', 'Muon_charge'], 0, source.entries);
    expect(c.HLT_IsoMu24).toBeInstanceOf(Uint8Array);
    expect(c.event).toBeInstanceOf(BigUint64Array);
    expect(c.nMuon).toBeInstanceOf(Uint32Array);
    const pt = c.Muon_pt as JaggedColumn;
    expect(pt.values).toBeInstanceOf(Float32Array);
    expect((c.Muon_charge as JaggedColumn).values).toBeInstanceOf(Int32Array);
    expect(pt.offsets.length).toBe(41);
    const n = c.nMuon as Uint32Array;
    for (let i = 0; i < 40; i++) expect(pt.offsets[i + 1]! - pt.offsets[i]!).toBe(n[i]);
  });

  it('reads an entry range as the matching slice of the full read', async () => {
    await using source = await openParquet(nano('nano_dimuon.parquet'));
    const all = await source.read(['nMuon', 'Muon_eta'], 0, 40);
    const part = await source.read(['nMuon', 'Muon_eta'], 11, 23);
    expect(Array.from(part.nMuon as Uint32Array)).toEqual(Array.from((all.nMuon as Uint32Array).subarray(11, 23)));
    const a = all.Muon_eta as JaggedColumn;
    const p = part.Muon_eta as JaggedColumn;
    expect(p.offsets[0]).toBe(0);
    expect(Array.from(p.values as Float32Array)).toEqual(Array.from((a.values as Float32Array).subarray(a.offsets[11]!, a.offsets[23]!)));
    expect(Array.from(p.offsets, (o) => o + a.offsets[11]!)).toEqual(Array.from(a.offsets.subarray(11, 24)));
  });

  it('reads a zero-event file as empty columns', async () => {
    await using source = await openParquet(nano('nano_dy_empty.parquet'));
    expect(source.entries).toBe(0);
    expect(source.clusters).toEqual([0]);
    const c = await source.read(['nMuon', 'Muon_pt', 'event'], 0, 0);
    expect(c.nMuon).toEqual(new Uint32Array(0));
    expect(c.event).toEqual(new BigUint64Array(0));
    expect(c.Muon_pt).toEqual({ offsets: Int32Array.of(0), values: new Float32Array(0) });
  });

  it('rejects a 100-byte non-Parquet file with E_IO_MALFORMED that says what came', async () => {
    const error = await openParquet(nano('nano_dy_malformed.parquet')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_MALFORMED');
    expect((error as IoError).path).toBe(nano('nano_dy_malformed.parquet'));
    expect((error as IoError).message).toMatch(/PAR1.*100 bytes/s);
  });

  it('rejects a missing file with ENOENT', async () => {
    const error = await openParquet(nano('no_such_file.parquet')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('ENOENT');
  });

  it('rejects a missing column with E_IO_BRANCH_NOT_FOUND listing close names', async () => {
    await using source = await openParquet(nano('nano_dy.parquet'));
    const error = await source.read(['Muon_Pt'], 0, 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_BRANCH_NOT_FOUND');
    expect((error as IoError).details.available).toContain('Muon_pt');
    expect((error as IoError).message).toContain('Muon_pt');
  });

  it('rejects an entry range outside the file', async () => {
    await using source = await openParquet(nano('nano_dy.parquet'));
    await expect(source.read(['nMuon'], 30, 41)).rejects.toThrow(/\[0, 40\).*\[30, 41\)/);
  });

  it('stops at an aborted signal', async () => {
    await using source = await openParquet(nano('nano_dy.parquet'));
    await expect(source.read(['nMuon'], 0, 40, AbortSignal.abort())).rejects.toThrow();
    await expect(openParquet(nano('nano_dy.parquet'), { signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it('finishes a read in flight before closing, and refuses reads after close', async () => {
    const source = await openParquet(nano('nano_dy.parquet'));
    const reading = source.read(['nMuon', 'Muon_pt'], 0, 40);
    await source.close();
    expect(((await reading).nMuon as Uint32Array).length).toBe(40);
    await expect(source.read(['nMuon'], 0, 1)).rejects.toThrow(/closed/);
    await source.close();
  });

  it('gives the same uuid for the same file and a different one for another file', async () => {
    const ids = [];
    for (const file of ['nano_dy.parquet', 'nano_dy.parquet', 'nano_dimuon.parquet']) {
      await using source = await openParquet(nano(file));
      ids.push(source.uuid);
    }
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).not.toBe(ids[2]);
  });
});
