import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JaggedColumn } from '../src/io/columns.ts';
import { closeIdleFiles } from '../src/io/bytes/index.ts';
import { IoError } from '../src/io/errors.ts';
import { openSource, sniffFormat } from '../src/io/open.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string) => join(DATA_DIR, 'nanoaod', name);
const openFds = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);

describe('openSource and nested Parquet names', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a file that is neither ROOT nor Parquet with E_IO_UNSUPPORTED', async () => {
    const path = join(dir, 'notes.bin');
    await writeFile(path, 'hello world');
    const error = await openSource(path, 'Events').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_UNSUPPORTED');
    expect((error as IoError).message).toContain('"hell"');
  });

  it('rejects a missing file with ENOENT, whatever its extension', async () => {
    for (const name of ['missing.root', 'missing.parquet', 'missing']) {
      const error = await openSource(join(dir, name), 'Events').catch((e: unknown) => e);
      expect((error as IoError).code, name).toBe('ENOENT');
    }
  });

  it('names the fields of a list of structs (Muon.list.element.pt) as Muon_pt with counter nMuon', async () => {
    const path = join(dir, 'nested.parquet');
    parquetWriteFile({
      filename: path,
      schema: [
        { name: 'root', num_children: 1 },
        { name: 'Muon', repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
        { name: 'pt', type: 'FLOAT', repetition_type: 'REQUIRED' },
        { name: 'charge', type: 'INT32', repetition_type: 'REQUIRED' },
      ],
      columnData: [
        { name: 'Muon', data: [[{ pt: 10, charge: 1 }, { pt: 20, charge: -1 }], [], [{ pt: 30, charge: 1 }]] },
      ],
    });
    await using source = await openParquet(path);
    expect(source.branches.map((b) => b.name)).toEqual(['nMuon', 'Muon_pt', 'Muon_charge']);
    const c = await source.read(['nMuon', 'Muon_pt', 'Muon_charge'], 0, 3);
    expect(Array.from(c.nMuon as Uint32Array)).toEqual([2, 0, 1]);
    expect(Array.from((c.Muon_pt as JaggedColumn).values as Float32Array)).toEqual([10, 20, 30]);
    expect(Array.from((c.Muon_charge as JaggedColumn).offsets)).toEqual([0, 2, 2, 3]);
  });

  it('refuses integers of a logical type other than INTEGER (TIMESTAMP(NANOS), TIME, DATE, DECIMAL, NULL) with E_IO_UNSUPPORTED, converted type or not', async () => {
    // pyarrow and polars write timestamp[ns], local timestamps and times with a logical type alone (no converted type matches).
    const path = join(dir, 'logical.parquet');
    const n = 3;
    parquetWriteFile({
      filename: path,
      schema: [
        { name: 'root', num_children: 7 },
        { name: 'ts_ns', type: 'INT64', repetition_type: 'REQUIRED', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' } },
        { name: 'time_ms', type: 'INT32', repetition_type: 'REQUIRED', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MILLIS' } },
        { name: 'day', type: 'INT32', repetition_type: 'REQUIRED', logical_type: { type: 'DATE' } },
        { name: 'cents', type: 'INT64', repetition_type: 'REQUIRED', logical_type: { type: 'DECIMAL', scale: 2, precision: 10 } },
        { name: 'nothing', type: 'INT32', repetition_type: 'OPTIONAL', logical_type: { type: 'NULL' } },
        { name: 'i16', type: 'INT32', repetition_type: 'REQUIRED', logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true } },
        { name: 'plain', type: 'INT64', repetition_type: 'REQUIRED' },
      ],
      columnData: [
        { name: 'ts_ns', data: BigInt64Array.from([1n, 2n, 3n]) },
        { name: 'time_ms', data: Int32Array.from([1, 2, 3]) },
        { name: 'day', data: Int32Array.from([1, 2, 3]) },
        { name: 'cents', data: BigInt64Array.from([125n, 250n, 375n]) },
        { name: 'nothing', data: new Array<null>(n).fill(null) },
        { name: 'i16', data: Int32Array.from([-1, 0, 1]) },
        { name: 'plain', data: BigInt64Array.from([7n, 8n, 9n]) },
      ],
    });
    await using source = await openParquet(path);
    expect(source.branches.map((b) => [b.name, b.kind])).toEqual([['i16', 'int16'], ['plain', 'int64']]);
    for (const [name, annotation] of [['ts_ns', 'INT64 annotated TIMESTAMP'], ['time_ms', 'INT32 annotated TIME'], ['day', 'INT32 annotated DATE'], ['cents', 'INT64 annotated DECIMAL'], ['nothing', 'INT32 annotated NULL']]) {
      const error = await source.read([name!], 0, n).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(IoError);
      expect(error, name).toMatchObject({ code: 'E_IO_UNSUPPORTED', message: expect.stringContaining(annotation!) });
    }
    const c = await source.read(['i16', 'plain'], 0, n);
    expect(Array.from(c.i16 as Int16Array)).toEqual([-1, 0, 1]);
    expect(Array.from(c.plain as BigInt64Array)).toEqual([7n, 8n, 9n]);
  });
});

describeWithData('openSource on the NanoAOD samples', () => {
  it('tells Parquet from ROOT by extension, and by magic bytes without one', async () => {
    expect(await sniffFormat(nano('nano_dy.parquet'))).toBe('parquet');
    expect(await sniffFormat(nano('nano_dy.root'))).toBe('root');
    const dir = await mkdtemp(join(tmpdir(), 'cortado-sniff-'));
    try {
      await copyFile(nano('nano_dy.parquet'), join(dir, 'events-a'));
      await copyFile(nano('nano_dy.root'), join(dir, 'events-b'));
      expect(await sniffFormat(join(dir, 'events-a'))).toBe('parquet');
      expect(await sniffFormat(join(dir, 'events-b'))).toBe('root');
      await using parquet = await openSource(join(dir, 'events-a'), 'Events');
      expect(parquet.format).toBe('parquet');
      expect(parquet.entries).toBe(40);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens both formats through one call with the same entries', async () => {
    await using root = await openSource(nano('nano_dimuon.root'), 'Events');
    await using parquet = await openSource(nano('nano_dimuon.parquet'), 'Events');
    expect([root.format, parquet.format]).toEqual(['root', 'parquet']);
    expect(parquet.entries).toBe(root.entries);
  });

  it('leaves no file descriptor open after opens, reads, failures and closes', async () => {
    // This file shares its process with others: ROOT files they read keep their descriptors for
    // 2 s (keepOpen) and close them on a timer, which could fall inside this count. Closed first.
    await closeIdleFiles();
    const before = openFds();
    for (let i = 0; i < 10; i++) {
      const source = await openParquet(nano('nano_dy.parquet'));
      await source.read(['nMuon', 'Muon_pt'], 0, 40);
      await source.read(['no_such_column'], 0, 1).catch(() => undefined);
      await source.close();
      await openParquet(nano('nano_dy_malformed.parquet')).catch(() => undefined);
      await openSource(nano('nano_dy_malformed.parquet'), 'Events').catch(() => undefined);
    }
    await closeIdleFiles();
    // At most as many as before: one kept by any of the 10 rounds would show as 10 or more;
    // fewer can be another file's descriptors (a child's pipes, a socket) closing meanwhile.
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});
