import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { openRootFile, openRootTree } from '../src/io/root/index.ts';
import { openSource } from '../src/io/open.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const nano = (name: string): string => join(DATA_DIR, 'nanoaod', name);
const compression = (name: string): string => join(DATA_DIR, 'compression', name);

async function failure(promise: Promise<unknown>): Promise<IoError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IoError);
    return error as IoError;
  }
  throw new Error('Expected a rejection, got a result');
}

describeWithData('ROOT reader errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-root-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a missing file as ENOENT with its path', async () => {
    const path = join(dir, 'nope.root');
    const error = await failure(openRootTree(path, 'Events'));
    expect(error.code).toBe('ENOENT');
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
  });

  it('reports a missing tree and lists the trees present', async () => {
    const error = await failure(openRootTree(nano('nano_dy.root'), 'Evnts'));
    expect(error.code).toBe('E_IO_TREE_NOT_FOUND');
    expect(error.message).toMatch(/Evnts/);
    expect(error.message).toMatch(/Events, Runs/);
    expect(error.details.available).toEqual(['Events', 'Runs']);
  });

  it('reports a missing branch and suggests close names', async () => {
    await using events = await openRootTree(nano('nano_dy.root'), 'Events');
    const error = await failure(events.read(['nMuon', 'Muon_ptt'], 0, 10));
    expect(error.code).toBe('E_IO_BRANCH_NOT_FOUND');
    expect(error.details.branch).toBe('Muon_ptt');
    expect(error.details.available).toContain('Muon_pt');
    expect(error.message).toMatch(/Muon_ptt.*close names: .*Muon_pt/);
  });

  it('reports a truncated file as E_IO_TRUNCATED', async () => {
    for (const name of ['nano_dy.root', 'nano_tt_v15.root']) {
      const bytes = readFileSync(nano(name));
      const path = join(dir, `cut-${name}`);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      const error = await failure(openRootTree(path, 'Events'));
      expect(error.code).toBe('E_IO_TRUNCATED');
      expect(error.message).toMatch(/truncated/);
      expect(error.path).toBe(path);
    }
  });

  it('reports a basket cut off at the end of the file as E_IO_TRUNCATED when reading', async () => {
    // The file is cut while open (a transfer still in progress): the open succeeded, the read cannot.
    const path = join(dir, 'shrinking.root');
    copyFileSync(compression('uproot-HZZ-zlib.root'), path);
    await using file = await openRootFile(path, { metadataCache: false });
    const tree = await file.tree('events');
    const last = tree.branches
      .flatMap((info) => (tree.layout(info.name)?.baskets ?? []).map((b) => ({ name: info.name, end: b.seek + b.bytes })))
      .sort((a, b) => b.end - a.end)[0]!;
    truncateSync(path, last.end - 10);
    for (const columns of [[last.name], tree.branches.map((b) => b.name)]) {
      const error = await failure(tree.read(columns, 0, tree.entries));
      expect(error.code).toBe('E_IO_TRUNCATED');
      expect(error.message).toMatch(/branch .*truncated/);
    }
  });

  it('reports a branch of strings as E_IO_UNSUPPORTED', async () => {
    await using events = await openRootTree(compression('uproot-Zmumu-zlib.root'), 'events');
    const error = await failure(events.read(['Type'], 0, 10));
    expect(error.code).toBe('E_IO_UNSUPPORTED');
    expect(error.message).toMatch(/string/);
    expect(events.branches.some((b) => b.name === 'Type')).toBe(false);
  });

  it('reports an RNTuple as E_IO_UNSUPPORTED, naming RNTuple and pointing at openSource, which reads it', async () => {
    const error = await failure(openRootTree(nano('nano_dy_rntuple.root'), 'Events'));
    expect(error.code).toBe('E_IO_UNSUPPORTED');
    expect(error.message).toMatch(/RNTuple/);
    expect(error.message).toMatch(/openSource\(".*nano_dy_rntuple\.root", "Events"\)/);
    expect(error.message).not.toMatch(/TTrees only/);
    await using events = await openSource(nano('nano_dy_rntuple.root'), 'Events');
    expect(events.entries).toBe(40);
  });

  it('reports a file that is not ROOT as E_IO_MALFORMED', async () => {
    const error = await failure(openRootTree(nano('nano_dy.parquet'), 'Events'));
    expect(error.code).toBe('E_IO_MALFORMED');
    expect(error.message).toMatch(/Expected a ROOT file/);
  });

  for (const algorithm of ['zlib', 'lz4', 'zstd', 'lzma']) {
    // LZ4 blocks carry an xxhash64 of their data: the corruption is caught there first.
    const code = algorithm === 'lz4' ? 'E_IO_CHECKSUM' : 'E_IO_DECOMPRESS';
    it(`reports corrupt ${algorithm} basket data as ${code}`, async () => {
      const source = compression(`uproot-HZZ-${algorithm}.root`);
      const path = join(dir, `corrupt-${algorithm}.root`);
      copyFileSync(source, path);
      await using file = await openRootFile(path, { metadataCache: false });
      const tree = await file.tree('events');
      const bytes = readFileSync(path);
      // The largest basket of a readable branch, its compressed body overwritten past the block header.
      const target = tree.branches
        .flatMap((info) => (tree.layout(info.name)?.baskets ?? []).map((ref) => ({ name: info.name, ref })))
        .sort((a, b) => b.ref.bytes - a.ref.bytes)[0]!;
      const keylen = bytes.readUInt16BE(target.ref.seek + 14);
      const body = target.ref.seek + keylen + 9;
      bytes.fill(0xff, body + 8, body + Math.min(200, target.ref.bytes - keylen - 9));
      writeFileSync(path, bytes);
      const error = await failure(tree.read([target.name], 0, tree.entries));
      expect(error.code).toBe(code);
      expect(error.message).toContain(target.name);
    });
  }

  it('rejects an entry range outside the tree with a RangeError', async () => {
    await using events = await openRootTree(nano('nano_dy.root'), 'Events');
    await expect(events.read(['nMuon'], 0, 41)).rejects.toThrow(/0 <= start <= stop <= 40.*\[0, 41\)/);
    await expect(events.read(['nMuon'], 5, 4)).rejects.toBeInstanceOf(RangeError);
  });

  it('stops at an aborted signal', async () => {
    await using events = await openRootTree(nano('nano_dy.root'), 'Events');
    const controller = new AbortController();
    controller.abort();
    await expect(events.read(['nMuon'], 0, 10, controller.signal)).rejects.toThrow(/abort/i);
    await expect(openRootTree(nano('nano_dy.root'), 'Events', { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});
