/**
 * Cold open to first column of each NanoAOD sample, each measurement in a fresh Node process
 * (bench/root-open-child.ts: import the reader, `openRootTree(file, 'Events')`, read `nMuon` over
 * all entries). With `--baseline <checkout>` the same is timed, interleaved run by run, for the
 * ROOT reader of another checkout of cortado (e.g. the commit before the native parser, with its
 * own `node_modules`), and the ratio printed.
 *
 *   npx tsx bench/io.ts --only root-open [--runs 5] [--baseline /tmp/cortado-before]
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_DIR } from '../test/helpers/data.ts';

const SAMPLES = ['nano_dy.root', 'nano_dimuon.root', 'nano_tt_v12.root', 'nano_tt_v15.root',
  'nanoAOD_2015_CMS_Open_Data_ttbar.root'];
const HERE = fileURLToPath(new URL('.', import.meta.url));
const CHILD = join(HERE, 'root-open-child.ts');

interface ColdTiming {
  readonly importMs: number;
  readonly openMs: number;
  readonly firstColumnMs: number;
  readonly firstColumnCpuMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** One cold open in a fresh process of the reader at `checkout`. */
function coldOpen(checkout: string, file: string): ColdTiming {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, join(checkout, 'src/io/root/index.ts'), file, 'Events', 'nMuon'],
    { cwd: checkout, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ColdTiming;
}

/**
 * Prints, per sample, the median of `runs` fresh-process cold opens (open, open to first column
 * by wall clock and by CPU time) of this checkout and, when given, of `baseline`, and the ratio.
 */
export async function rootOpenBenchmark(options: { runs: number; baseline?: string | undefined }): Promise<void> {
  const mine = resolve(HERE, '..');
  const checkouts = [{ name: 'cortado', dir: mine }, ...(options.baseline ? [{ name: 'baseline', dir: resolve(options.baseline) }] : [])];
  console.log(`\nROOT cold open to first column — fresh process per measurement, median of ${options.runs}` +
    (options.baseline ? `; baseline: ${options.baseline}` : ''));
  console.log(`${'sample'.padEnd(40)} ` +
    checkouts.map((c) => `${(c.name + ' open').padStart(16)} ${'first col'.padStart(10)} ${'(CPU)'.padStart(10)}`).join(' ') +
    (options.baseline ? '   first column: baseline / cortado' : ''));
  for (const sample of SAMPLES) {
    const file = join(DATA_DIR, 'nanoaod', sample);
    const times = checkouts.map(() => ({ open: [] as number[], first: [] as number[], cpu: [] as number[] }));
    for (let run = 0; run < options.runs; run++) {
      for (const [i, c] of checkouts.entries()) {
        const t = coldOpen(c.dir, file);
        times[i]!.open.push(t.openMs);
        times[i]!.first.push(t.firstColumnMs);
        times[i]!.cpu.push(t.firstColumnCpuMs);
      }
    }
    const cells = times.map((t) => `${median(t.open).toFixed(1).padStart(13)} ms ${median(t.first).toFixed(1).padStart(7)} ms ` +
      `${median(t.cpu).toFixed(1).padStart(7)} ms`);
    const ratio = times.length > 1 ? `   ${(median(times[1]!.first) / median(times[0]!.first)).toFixed(1)}x ` +
      `(CPU ${(median(times[1]!.cpu) / median(times[0]!.cpu)).toFixed(1)}x)` : '';
    console.log(`${sample.padEnd(40)} ${cells.join(' ')}${ratio}`);
  }
}
