import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { openSource } from '../src/io/open.ts';
import { openParquet } from '../src/io/parquet/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const SOURCES = [
  'golden/gen/parquet/nulls_zstd_dict1.parquet',
  'golden/gen/parquet/nulls_snappy_dict0.parquet',
  'golden/gen/parquet/nulls_none_dict1.parquet',
  'golden/gen/parquet/pagev2_none_dict1.parquet',
  'golden/gen/parquet/pagev2_zstd_dict0.parquet',
  'nanoaod/nano_dy.parquet',
];

// A small deterministic generator (mulberry32): the same corrupt files on every run.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Opens a file and reads every column (whole, then a range inside the first row group); returns
// the error it failed with, or undefined when it read (a flipped value byte can read fine).
async function readAll(path: string): Promise<unknown> {
  try {
    await using source = await openParquet(path);
    const names = source.branches.map((b) => b.name);
    const masks = names.filter((n) => source.branches.find((b) => b.name === n)?.jagged).map((n) => `${n}.valid`);
    await source.read([...names, ...masks], 0, source.entries);
    if (source.entries > 10) await source.read(names, 3, Math.min(source.entries, 250));
    return undefined;
  } catch (error) {
    return error;
  }
}

function expectCoded(error: unknown, path: string): void {
  if (!(error instanceof IoError)) throw new Error(`Expected an IoError from ${path}, got ${String(error)}`, { cause: error });
  expect(error.code, error.message).toMatch(/^(E_IO_[A-Z_]+|ENOENT|EISDIR|EACCES)$/);
  expect(error.path).toBe(path);
  expect(error.message).toContain(path);
}

describeWithData('Parquet reader on corrupt and truncated files: every failure is a coded IoError naming the file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cortado-parquet-corrupt-'));
  });
  afterAll(async () => {
    await chmod(join(dir, 'unreadable.parquet'), 0o600).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with E_IO_MALFORMED or E_IO_TRUNCATED on every truncation of real files', async () => {
    let failures = 0;
    for (const source of SOURCES) {
      const bytes = await readFile(join(DATA_DIR, source));
      const cuts = [0, 3, 4, 11, 12, bytes.length >> 2, bytes.length >> 1, bytes.length - 100, bytes.length - 9, bytes.length - 1];
      for (const cut of cuts) {
        const path = join(dir, `cut${cut}-${basename(source)}`);
        await writeFile(path, bytes.subarray(0, cut));
        const error = await readAll(path);
        expectCoded(error, path);
        expect((error as IoError).code).toMatch(/^E_IO_(MALFORMED|TRUNCATED)$/);
        failures++;
      }
    }
    expect(failures).toBe(SOURCES.length * 10);
  });

  it('fails only with coded IoErrors when bytes are flipped anywhere, footer and pages alike', async () => {
    const next = random(16);
    const codes = new Map<string, number>();
    let read = 0;
    for (const source of SOURCES) {
      const original = await readFile(join(DATA_DIR, source));
      for (let variant = 0; variant < 16; variant++) {
        const bytes = Buffer.from(original);
        // Half the variants hit the footer region (metadata), half anywhere in the file.
        const footer = variant % 2 === 0;
        const flips = 1 + Math.floor(next() * 6);
        for (let f = 0; f < flips; f++) {
          const span = footer ? Math.min(bytes.length, 2000) : bytes.length;
          const at = bytes.length - 1 - Math.floor(next() * span);
          bytes[at] = bytes[at]! ^ (1 + Math.floor(next() * 255));
        }
        const path = join(dir, `flip${variant}-${basename(source)}`);
        await writeFile(path, bytes);
        const error = await readAll(path);
        if (error === undefined) {
          read++;
          continue;
        }
        expectCoded(error, path);
        codes.set((error as IoError).code, (codes.get((error as IoError).code) ?? 0) + 1);
      }
    }
    // Many corruptions are caught; the others alter values or statistics only, which Parquet
    // files without page checksums cannot reveal.
    const failed = [...codes.values()].reduce((a, b) => a + b, 0);
    expect(failed + read).toBe(SOURCES.length * 16);
    expect(failed).toBeGreaterThan(SOURCES.length * 4);
    expect(codes.get('E_IO_MALFORMED')).toBeGreaterThan(0);
  }, 60_000);

  it('gives EISDIR for a directory, ENOENT for a missing file and E_IO_CLOSED for a read after close', async () => {
    const folder = join(dir, 'folder.parquet');
    await mkdir(folder);
    expectCoded(await openParquet(folder).catch((e: unknown) => e), folder);
    expect(await openParquet(folder).catch((e: unknown) => e)).toMatchObject({ code: 'EISDIR' });
    const plainFolder = join(dir, 'folder');
    await mkdir(plainFolder);
    expect(await openSource(plainFolder, 'Events').catch((e: unknown) => e)).toMatchObject({ code: 'EISDIR', path: plainFolder });
    const missing = join(dir, 'missing.parquet');
    expect(await openParquet(missing).catch((e: unknown) => e)).toMatchObject({ code: 'ENOENT', path: missing });

    const file = join(DATA_DIR, SOURCES[0]!);
    const source = await openParquet(file);
    await source.close();
    const error = await source.read(['nMuon'], 0, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'E_IO_CLOSED', path: file });
  });

  it.runIf(process.getuid?.() !== 0)('gives EACCES for a file without read permission', async () => {
    const path = join(dir, 'unreadable.parquet');
    await copyFile(join(DATA_DIR, SOURCES[0]!), path);
    await chmod(path, 0o000);
    expect(await openParquet(path).catch((e: unknown) => e)).toMatchObject({ code: 'EACCES', path });
  });
});
