import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { openSource } from '../src/io/open.ts';
import { openRNTuple } from '../src/io/rntuple/index.ts';
import { flipBytes } from './helpers/byte-flips.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const SAMPLE = join(DATA_DIR, 'nanoaod', 'nano_dy_rntuple.root');

async function failure(promise: Promise<unknown>): Promise<IoError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IoError);
    return error as IoError;
  }
  throw new Error('Expected a rejection, got a result');
}

describeWithData('RNTuple reader errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-rntuple-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the sample with `edit` applied to its bytes. */
  function corrupted(name: string, edit: (bytes: Buffer) => void): string {
    const bytes = readFileSync(SAMPLE);
    edit(bytes);
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  it('reports a missing RNTuple and lists what the file holds', async () => {
    const error = await failure(openRNTuple(SAMPLE, 'Evnts'));
    expect(error.code).toBe('E_IO_TREE_NOT_FOUND');
    expect(error.message).toMatch(/Evnts/);
    expect(error.details.available).toEqual(['Events']);
  });

  it('reports an unknown field with close names, and an unsupported one naming its type', async () => {
    await using events = await openSource(SAMPLE, 'Events');
    const missing = await failure(events.read(['Muon_ptt'], 0, 1));
    expect(missing.code).toBe('E_IO_BRANCH_NOT_FOUND');
    expect(missing.details.available).toContain('Muon_pt');
    // ROOT's importer stores each NanoAOD collection as an untyped collection of records.
    const unsupported = await failure(events.read(['_collection0'], 0, 1));
    expect(unsupported.code).toBe('E_IO_UNSUPPORTED');
    expect(unsupported.message).toMatch(/untyped collection/);
    expect(events.branches.some((b) => b.name === '_collection0')).toBe(false);
  });

  it('verifies page checksums: a flipped byte in a page is E_IO_CHECKSUM naming the field, other fields still read', async () => {
    let offset = 0;
    {
      await using events = await openRNTuple(SAMPLE, 'Events');
      const [page] = events.pageLocations('Muon_pt');
      expect(page!.checksum).toBe(true);
      offset = page!.locator.offset + Math.floor(page!.locator.size / 2);
    }
    const path = corrupted('page.root', (b) => { b[offset] = b[offset]! ^ 0x10; });
    await using events = await openRNTuple(path, 'Events');
    const error = await failure(events.read(['Muon_pt'], 0, 40));
    expect(error.code).toBe('E_IO_CHECKSUM');
    expect(error.message).toMatch(/checksum/);
    expect(error.details.branch).toBe('Muon_pt');
    expect(error.path).toBe(path);
    const { Muon_eta } = await events.read(['Muon_eta'], 0, 40);
    expect(Muon_eta).toBeDefined();
  });

  it('verifies the anchor checksum', async () => {
    const bytes = readFileSync(SAMPLE);
    // The last 8 bytes of the anchor object are the XXH3 of its fields, as ROOT wrote it.
    const anchorEnd = bytes.indexOf(Buffer.from('34302b125921c738', 'hex')) + 8;
    expect(anchorEnd).toBeGreaterThan(8);
    const path = corrupted('anchor.root', (b) => { b[anchorEnd - 1] = b[anchorEnd - 1]! ^ 0xff; });
    const error = await failure(openRNTuple(path, 'Events'));
    expect(error.code).toBe('E_IO_CHECKSUM');
    expect(error.message).toMatch(/anchor checksum/);
  });

  it('verifies envelopes: a corrupt header is a coded error, never a schema', async () => {
    const path = corrupted('header.root', (b) => { for (let i = 400; i < 420; i++) b[i] = b[i]! ^ 0x5a; });
    const error = await failure(openRNTuple(path, 'Events'));
    expect(['E_IO_MALFORMED', 'E_IO_DECOMPRESS', 'E_IO_CHECKSUM']).toContain(error.code);
    expect(error.path).toBe(path);
  });

  it('reports a truncated file as E_IO_TRUNCATED', async () => {
    const path = join(dir, 'truncated.root');
    copyFileSync(SAMPLE, path);
    truncateSync(path, 30_000);
    const error = await failure(openRNTuple(path, 'Events'));
    expect(error.code).toBe('E_IO_TRUNCATED');
  });

  it('answers random byte changes of a ROOT-written RNTuple with an IoError (or the data), never another error', async () => {
    const outcomes = await flipBytes(join(DATA_DIR, 'nanoaod', 'nano_dimuon_rntuple.root'), dir, 40, 5, async (path) => {
      await using source = await openRNTuple(path, 'Events');
      await source.read(source.branches.map((b) => b.name).slice(0, 300), 0, source.entries);
    });
    expect([...outcomes.keys()].filter((c) => c !== 'ok' && !c.startsWith('E_IO_'))).toEqual([]);
    expect(outcomes.get('E_IO_CHECKSUM')).toBeGreaterThan(0);
  });
});
