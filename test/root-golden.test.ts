import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { IoError } from '../src/io/errors.ts';
import { openRootFile } from '../src/io/root/index.ts';
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
 * The branches of the corpus cortado does not read, each with the coded error it gives instead of
 * numbers (README, "What the ROOT reader does not read"). Everything else must equal uproot.
 */
const NOT_READ: Record<string, { code: string; why: RegExp }> = {
  // Written by a pre-ROOT-5 writer: TTree version 5, and a streamer-info record cortado cannot parse.
  'skhep/uproot-from-geant4.root Details *': { code: 'E_IO_UNSUPPORTED', why: /TTree version 5/ },
  'skhep/uproot-from-geant4.root HitStrips *': { code: 'E_IO_UNSUPPORTED', why: /TTree version 5/ },
  'skhep/uproot-from-geant4.root GeneratedTracks *': { code: 'E_IO_UNSUPPORTED', why: /TTree version 5/ },
  'skhep/uproot-from-geant4.root TrackedRays *': { code: 'E_IO_UNSUPPORTED', why: /TTree version 5/ },
  'skhep/uproot-issue-250.root B4 *': { code: 'E_IO_UNSUPPORTED', why: /TTree version 5/ },
  // Members of an object branch that holds no baskets for the tree's 98 entries (uproot gives 0 values).
  ...Object.fromEntries([
    'fEventNumberInFile', 'fL0TriggerInputs', 'fL1TriggerInputs', 'fL2TriggerInputs', 'fTRDfired',
    'fEventType', 'fOnlineTriggerMask', 'fOnlineTriggerMaskNext50', 'fMultiplicityEstimators[13]',
    'fMultiplicityEstimatorPercentiles[13]', 'fIsSPDPileup', 'fIsSPDPileupMultBins', 'fIRIntClosestIntMap[2]',
    'fVtxCovMatrix[6]', 'fVtxMC[3]', 'fNpileupSPD', 'fNpileupTracks', 'fNPMDtracks', 'fNTRDtracks',
    'fNTRDtracklets', 'fSPDntrackletsEta[32]', 'fSPDFiredChips[2]', 'fSPDnSingle', 'fNch[8]',
    'fVZEROTotalMult[2]', 'fZDCnTotalEnergy[2]', 'fZDCpTotalEnergy[2]', 'fT0amplitude[26]', 'fT0TOF[3]',
    'fT0TOFbest[3]', 'fT0zVertex', 'fT0start', 'fT0pileup', 'fT0sattelite', 'fNCaloClusters',
  ].map((b) => [`skhep/uproot-issue327.root DstTree Event/${b}`, { code: 'E_IO_MALFORMED', why: /it has no baskets/ }])),
  // TObject fBits of referenced objects carry a process id: uproot reads those bytes as more values.
  ...Object.fromEntries(['Track', 'EFlowTrack', 'EFlowPhoton', 'EFlowNeutralHadron'].map((b) =>
    [`skhep/uproot-issue513.root Delphes ${b}/${b}.fBits`, { code: 'E_IO_UNSUPPORTED', why: /process id/ }])),
};

/** The listed failure of a branch (`*`: every branch of the tree). */
function expectedFailure(path: string, tree: string, branch: string): { code: string; why: RegExp } | undefined {
  for (const [pattern, failure] of Object.entries(NOT_READ)) {
    const [p, t, b] = pattern.split(' ') as [string, string, string];
    if (p === path && t === tree && (b === '*' || b === branch)) return failure;
  }
  return undefined;
}

describeWithData('ROOT golden corpus: every numeric branch equals uproot, digest for digest', () => {
  it('covers the corpus: the generated files, the scikit-hep files and the NanoAOD samples', () => {
    const paths = Object.keys(golden);
    expect(paths.filter((p) => p.startsWith('gen/root/')).length).toBe(9);
    expect(paths.filter((p) => p.startsWith('skhep/')).length).toBeGreaterThan(70);
    expect(paths.filter((p) => p.startsWith('../nanoaod/')).length).toBeGreaterThan(5);
  });

  for (const path of Object.keys(golden)) {
    it(`reads every branch of ${path} with the golden digests, or fails with its listed code`, async () => {
      const file = golden[path]!;
      const wrong: string[] = [];
      const failures: string[] = [];
      await using root = await openRootFile(join(GOLDEN_DIR, path), { metadataCache: false });
      for (const [treePath, tree] of Object.entries(file.trees)) {
        let source: Awaited<ReturnType<typeof root.tree>>;
        try {
          source = await root.tree(treePath);
        } catch (error) {
          const want = expectedFailure(path, treePath, '*');
          if (!want || !(error instanceof IoError) || error.code !== want.code || !want.why.test(error.message)) {
            failures.push(`${treePath}: ${(error as Error).message}`);
          }
          continue;
        }
        expect(source.entries, treePath).toBe(tree.entries);
        for (const [branch, expected] of Object.entries(tree.branches)) {
          const want = expectedFailure(path, treePath, branch);
          try {
            const column = (await source.read([branch], 0, source.entries))[branch]!;
            const layout = source.layout(branch)!;
            const digest = digestColumn(column, layout.kind as Dtype, source.entries,
              expected.kind === 'fixed' ? expected.shape : undefined);
            for (const problem of compareDigest(expected, digest)) wrong.push(`${treePath} ${branch}: ${problem}`);
            if (want) failures.push(`${treePath} ${branch}: listed as not read, but read`);
          } catch (error) {
            if (!want || !(error instanceof IoError) || error.code !== want.code || !want.why.test(error.message)) {
              failures.push(`${treePath} ${branch}: ${(error as Error).message}`);
            }
          }
        }
        await source.close();
      }
      expect(wrong).toEqual([]);
      expect(failures).toEqual([]);
    });
  }
});
