import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { openRootFile, type RootTree } from '../src/io/root/index.ts';
import { compareDigest, digestColumn, type Dtype, type GoldenDigest } from './fixtures/golden/digest.ts';
import { DATA_DIR, describeWithData, hasData } from './helpers/data.ts';

interface GoldenRootFile {
  readonly format: 'root';
  readonly trees: Record<string, { readonly entries: number; readonly branches: Record<string, GoldenDigest> }>;
}

const GOLDEN_DIR = join(DATA_DIR, 'golden');
const golden: Record<string, GoldenRootFile> = {};
if (hasData) {
  const all = JSON.parse(readFileSync(join(GOLDEN_DIR, 'golden.json'), 'utf8')) as { files: Record<string, { format: string }> };
  for (const [path, file] of Object.entries(all.files)) if (file.format === 'root') golden[path] = file as GoldenRootFile;
}

/**
 * The only branches whose golden digest cortado does not reproduce, and why: TObject fBits of
 * referenced objects carry a 2-byte process id after each value. uproot reads a basket's bytes as
 * 32-bit words whatever they hold, so its values there mix fBits with process ids (and its
 * offsets cut objects in two); cortado reads one fBits value per object, as TObject's streamer
 * does. The test proves both: uproot's digest is the baskets' stored words, and cortado's
 * offsets are the objects' (the sibling fUniqueID branch's, which uproot reads right).
 */
const STORED_WORDS_IN_UPROOT = new Set(['Track', 'EFlowTrack', 'EFlowPhoton', 'EFlowNeutralHadron']
  .map((b) => `skhep/uproot-issue513.root Delphes ${b}/${b}.fBits`));

/** The digest uproot computes for a branch: its baskets' bytes as big-endian uint32 words, offsets floored to words. */
async function storedWordsDigest(source: RootTree, branch: string): Promise<{ sha256: string; offsetsSha256: string; count: number }> {
  const layout = source.layout(branch)!;
  const words: number[] = [];
  const offsets: bigint[] = [0n];
  expect(layout.hasEntryOffsets).toBe(true);
  for (const { data, offsets: bo } of await source.baskets(branch)) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const base = words.length;
    for (let i = 0; i + 4 <= data.length; i += 4) words.push(view.getUint32(i));
    for (let i = 1; i < bo!.length; i++) offsets.push(BigInt(base + Math.floor(bo![i]! / 4)));
  }
  const hash = (bytes: ArrayBufferView): string =>
    createHash('sha256').update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest('hex');
  return { sha256: hash(Uint32Array.from(words)), offsetsSha256: hash(BigInt64Array.from(offsets)), count: words.length };
}

describeWithData('ROOT golden corpus: every numeric branch equals uproot, digest for digest', () => {
  it('covers the corpus: the generated files, the scikit-hep files and the NanoAOD samples', () => {
    const paths = Object.keys(golden);
    expect(paths.filter((p) => p.startsWith('gen/root/')).length).toBe(9);
    expect(paths.filter((p) => p.startsWith('skhep/')).length).toBeGreaterThan(70);
    expect(paths.filter((p) => p.startsWith('../nanoaod/')).length).toBeGreaterThan(5);
  });

  for (const path of Object.keys(golden)) {
    it(`reads every branch of ${path} with the golden digests`, async () => {
      const file = golden[path]!;
      const wrong: string[] = [];
      const failures: string[] = [];
      let stored = 0;
      await using root = await openRootFile(join(GOLDEN_DIR, path), { metadataCache: false });
      for (const [treePath, tree] of Object.entries(file.trees)) {
        let source: RootTree;
        try {
          source = await root.tree(treePath);
        } catch (error) {
          failures.push(`${treePath}: ${(error as Error).message}`);
          continue;
        }
        expect(source.entries, treePath).toBe(tree.entries);
        for (const [branch, expected] of Object.entries(tree.branches)) {
          try {
            // uproot reads a branch over its own entries (fEntries), which a never-filled member lacks.
            const layout = source.layout(branch)!;
            const entries = Math.min(source.entries, layout.entries ?? source.entries);
            const column = (await source.read([branch], 0, entries))[branch]!;
            const digest = digestColumn(column, layout.kind as Dtype, entries,
              expected.kind === 'fixed' ? expected.shape : undefined);
            if (STORED_WORDS_IN_UPROOT.has(`${path} ${treePath} ${branch}`)) {
              const words = await storedWordsDigest(source, branch);
              const objects = tree.branches[branch.replace(/\.fBits$/, '.fUniqueID')]!;
              expect({ sha256: words.sha256, offsetsSha256: words.offsetsSha256, count: words.count }, branch)
                .toEqual({ sha256: expected.sha256, offsetsSha256: expected.offsetsSha256, count: expected.count });
              expect({ count: digest.count, offsetsSha256: 'offsetsSha256' in digest ? digest.offsetsSha256 : undefined }, branch)
                .toEqual({ count: objects.count, offsetsSha256: objects.offsetsSha256 });
              stored++;
              continue;
            }
            for (const problem of compareDigest(expected, { ...digest, entries: source.entries })) {
              wrong.push(`${treePath} ${branch}: ${problem}`);
            }
          } catch (error) {
            failures.push(`${treePath} ${branch}: ${(error as Error).message}`);
          }
        }
        await source.close();
      }
      expect(wrong).toEqual([]);
      expect(failures).toEqual([]);
      expect(stored).toBe([...STORED_WORDS_IN_UPROOT].filter((k) => k.startsWith(`${path} `)).length);
    });
  }
  it('reads a never-filled member of a split object over its own 0 entries, and refuses the tree range with a coded error', async () => {
    await using root = await openRootFile(join(GOLDEN_DIR, 'skhep/uproot-issue327.root'), { metadataCache: false });
    await using tree = await root.tree('DstTree');
    const branch = 'Event/fEventNumberInFile';
    expect(tree.entries).toBe(98);
    expect(tree.layout(branch)?.entries).toBe(0);
    expect(tree.layout('Event/AliReducedBaseEvent/fRunNo')?.entries).toBe(98);
    expect((await tree.read([branch], 0, 0))[branch]).toHaveLength(0);
    const error = await tree.read([branch], 0, 98).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('E_IO_MALFORMED');
    expect((error as IoError).message).toMatch(/holds 0 \(its fEntries/);
  });
});
