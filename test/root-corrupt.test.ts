import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { openRootFile } from '../src/io/root/index.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const CODES = new Set(['E_IO_MALFORMED', 'E_IO_TRUNCATED', 'E_IO_DECOMPRESS', 'E_IO_CHECKSUM', 'E_IO_UNSUPPORTED',
  'E_IO_TREE_NOT_FOUND', 'E_IO_KEY_NOT_FOUND', 'E_IO_BRANCH_NOT_FOUND']);

/** A small deterministic generator, so a failing copy can be made again. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/**
 * Everything a reader of the file would do: list keys, open every tree, read every branch,
 * read every histogram. Returns the error it ended with (undefined when none).
 */
async function useFully(path: string): Promise<unknown> {
  try {
    await using file = await openRootFile(path, { metadataCache: false });
    for (const key of await file.walk()) {
      if (/^TH[12][DF]$/.test(key.className)) await file.histogram(key.path);
    }
    for (const name of await file.treePaths()) {
      const tree = await file.tree(name);
      for (const branch of tree.allBranchNames()) {
        try {
          await tree.read([branch], 0, tree.entries);
        } catch (error) {
          if (!(error instanceof IoError) || error.code !== 'E_IO_UNSUPPORTED') throw error;
        }
      }
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

describeWithData('ROOT files cut short or with flipped bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-root-corrupt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const samples = [
    join(DATA_DIR, 'nanoaod', 'nano_dy.root'),
    join(DATA_DIR, 'golden', 'skhep', 'uproot-issue413.root'),
    join(DATA_DIR, 'golden', 'skhep', 'uproot-small-evnt-tree-fullsplit.root'),
    join(DATA_DIR, 'golden', 'skhep', 'uproot-hepdata-example.root'),
    join(DATA_DIR, 'golden', 'gen', 'root', 'subdir.root'),
  ];

  it('reads the intact samples without error', async () => {
    for (const sample of samples) expect(await useFully(sample), sample).toBeUndefined();
  });

  it('fails every truncated copy with a coded IoError naming the file', async () => {
    for (const [s, sample] of samples.entries()) {
      const bytes = readFileSync(sample);
      for (const fraction of [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.999]) {
        const path = join(dir, `cut-${s}-${fraction}.root`);
        writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * fraction)));
        const error = await useFully(path);
        expect(error, `${path} read in full`).toBeInstanceOf(IoError);
        expect(CODES.has((error as IoError).code), `${path}: ${(error as IoError).code}`).toBe(true);
        expect((error as IoError).message, path).toContain(path);
      }
    }
  });

  it('gives only coded IoErrors naming the file for copies with flipped bytes', async () => {
    const random = lcg(20251201);
    for (const [s, sample] of samples.entries()) {
      const bytes = readFileSync(sample);
      for (let copy = 0; copy < 16; copy++) {
        const path = join(dir, `flip-${s}-${copy}.root`);
        copyFileSync(sample, path);
        const corrupt = Buffer.from(bytes);
        // Half the copies hit the header and the first records (keys, directories, the tree), the
        // rest anywhere: a few bytes set to random values or to 0xff.
        const span = copy % 2 === 0 ? Math.min(corrupt.length, 4096) : corrupt.length;
        for (let k = 0; k < 1 + (copy % 4); k++) {
          const at = Math.floor(random() * span);
          corrupt[at] = copy % 3 === 0 ? 0xff : Math.floor(random() * 256);
        }
        writeFileSync(path, corrupt);
        const error = await useFully(path);
        if (error === undefined) continue; // a flip in data bytes reads as other numbers, undetectably
        expect(error, `${path}: ${String(error)}`).toBeInstanceOf(IoError);
        expect(CODES.has((error as IoError).code), `${path}: ${(error as IoError).code}`).toBe(true);
        expect((error as IoError).message, path).toContain(path);
      }
    }
  });
});
