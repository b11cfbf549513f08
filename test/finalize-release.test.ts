/**
 * `releaseGroups` with `finalize`: a dataset's result is written the moment it completes and the
 * task lets go of it then (a child process with `--expose-gc` shows it is collected while the run
 * still goes on); the files hold what an ordinary run computes; a resumed run loses nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import type { Computable, WorkElement } from '../src/protocol/computable.ts';
import { ValueData } from '../src/protocol/data.ts';
import { finalize } from '../src/results/finalize.ts';
import { deserializeResult } from '../src/results/serialize.ts';

type Result = Record<string, { n: number; sum: number }>;
const REPO = join(import.meta.dirname, '..');

/** Two datasets of 20 elements each; `onElement(i)` runs before element i computes. */
function twoDatasets(onElement: (i: number) => Promise<void> | void = () => {}): Computable<Result> {
  const groups = [
    { name: 'ZJets', range: [0, 20] as const },
    { name: 'Data', range: [20, 40] as const },
  ];
  return {
    key: 'finalize-release',
    size: 40,
    grouped: true,
    groups,
    *steps() {
      for (const { name, range } of groups) {
        for (let i = range[0]; i < range[1]; i++) {
          const element: WorkElement<Result> = {
            range: [i, i + 1],
            group: name,
            data: new ValueData(i),
            processor: async (x: number) => {
              await onElement(x);
              return { n: 1, sum: x * x } as never;
            },
          };
          yield element;
        }
      }
    },
  };
}

function readDataset(dir: string, name: string): unknown {
  return deserializeResult(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')).result);
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-finalize-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('finalize with releaseGroups', () => {
  it('lets go of a written dataset while the run goes on: its result is garbage-collected (and is not without releaseGroups)', async () => {
    const run = async (mode: string) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', join(REPO, 'test/fixtures/release-groups-gc.ts'), mode], { cwd: REPO, timeout: 60_000 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as { collected: boolean; status: string; released: string[] | null; keys: string[] };
    };
    const released = await run('release');
    expect(released).toMatchObject({ collected: true, status: 'complete', released: ['A', 'B'], keys: [] });
    // The control: the same run without releaseGroups keeps A's result (result() needs it).
    const kept = await run('keep');
    expect(kept).toMatchObject({ collected: false, status: 'complete', released: null, keys: ['A', 'B'] });
  }, 90_000);

  it('with a journal on too: the journal drops its copy of a released dataset, so its memory is freed while the run goes on', async () => {
    const run = async (mode: string) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', join(REPO, 'test/fixtures/release-groups-gc.ts'), mode], { cwd: REPO, timeout: 60_000 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as { collected: boolean; status: string; released: string[] | null; keys: string[]; heldMb: number; datasetMb: number };
    };
    // A's result holds about datasetMb of strings; heldMb is what the heap holds beyond the start
    // while B still runs. The journal's copy shares A's strings, so only dropping it frees them.
    const released = await run('journal-release');
    expect(released).toMatchObject({ collected: true, status: 'complete', released: ['A', 'B'], keys: [] });
    expect(released.heldMb).toBeLessThan(released.datasetMb / 2);
    // The control: without releaseGroups the task (and the journal) keep A.
    const kept = await run('journal-keep');
    expect(kept).toMatchObject({ collected: false, status: 'complete', released: null, keys: ['A', 'B'] });
    expect(kept.heldMb).toBeGreaterThan(kept.datasetMb * 0.8);
  }, 90_000);

  it('writes the values of an ordinary run, leaves released datasets out of the result and lists them', async () => {
    const backend = inline();
    const ordinary = await backend.compute(twoDatasets()).result();
    const dir = tempDir();
    const perDataset = finalize(dir);
    const task = backend.compute(twoDatasets(), { onGroupComplete: perDataset.onGroupComplete, releaseGroups: perDataset.releaseGroups });
    const result = await task.result();
    expect(result).toEqual({});
    expect([...(task.partial().released ?? [])].sort()).toEqual(['Data', 'ZJets']);
    for (const name of ['ZJets', 'Data']) expect(readDataset(dir, name)).toEqual(ordinary[name]);
    // Without the option there is no `released` and the result is whole.
    expect(backend.compute(twoDatasets()).partial().released).toBeUndefined();
  });

  it('keeps a dataset whose file could not be written in the result', async () => {
    const dir = tempDir();
    const blocked = join(dir, 'blocked');
    const perDataset = finalize(blocked);
    // The folder is replaced by a file: every write fails.
    rmSync(blocked, { recursive: true });
    writeFileSync(blocked, 'not a folder');
    const backend = inline();
    const task = backend.compute(twoDatasets(), { onGroupComplete: perDataset.onGroupComplete, releaseGroups: perDataset.releaseGroups });
    const result = await task.result();
    expect(perDataset.errors.map((e) => e.group).sort()).toEqual(['Data', 'ZJets']);
    expect(task.partial().released).toEqual([]);
    expect(result).toEqual(await backend.compute(twoDatasets()).result());
  });

  it('a run cancelled after a dataset was released resumes from its checkpoint without losing it', async () => {
    const backend = inline();
    const ordinary = await backend.compute(twoDatasets()).result();
    const checkpoint = join(tempDir(), 'run.ckpt');
    const first = tempDir();
    const controller = new AbortController();
    const perDataset = finalize(first);
    const stopped = backend.compute(
      twoDatasets((i) => {
        if (i === 30) controller.abort(new Error('killed'));
      }),
      { onGroupComplete: perDataset.onGroupComplete, releaseGroups: perDataset.releaseGroups, checkpoint, signal: controller.signal, batchSize: 1 },
    );
    const partial = await stopped.wait();
    expect(stopped.status).toBe('cancelled');
    expect(partial.released).toEqual(['ZJets']);
    expect(Object.keys(partial.result as object)).toEqual(['Data']);
    expect(readDataset(first, 'ZJets')).toEqual(ordinary.ZJets);
    // The journal dropped its copy of the released dataset when it was released and recorded
    // that it was: the resumed run restores ZJets as released (its file is its record), does not
    // hand it out again, and computes and writes only the rest.
    const second = tempDir();
    const again = finalize(second);
    const resumed = backend.compute(twoDatasets(), { onGroupComplete: again.onGroupComplete, releaseGroups: again.releaseGroups, checkpoint });
    expect(resumed.restored?.entries).toBeGreaterThanOrEqual(20);
    await resumed.result();
    expect(resumed.partial().released).toEqual(['ZJets', 'Data']);
    expect([...again.written.keys()]).toEqual(['Data']);
    expect(readDataset(first, 'ZJets')).toEqual(ordinary.ZJets);
    expect(readDataset(second, 'Data')).toEqual(ordinary.Data);
  });

  it('a checkpoint opened after a release restores the dataset as released, whether from the journal or its snapshot', async () => {
    const backend = inline();
    for (const compact of [false, true]) {
      const checkpoint = join(tempDir(), 'run.ckpt');
      const controller = new AbortController();
      const perDataset = finalize(tempDir());
      const stopped = backend.compute(
        twoDatasets((i) => {
          if (i === 25) controller.abort(new Error('killed'));
        }),
        // compactRecords 1: every record goes straight into a new snapshot.
        { onGroupComplete: perDataset.onGroupComplete, releaseGroups: perDataset.releaseGroups, checkpoint: { path: checkpoint, ...(compact ? { compactRecords: 1 } : {}) }, signal: controller.signal, batchSize: 1 },
      );
      await stopped.wait();
      expect(stopped.partial().released).toEqual(['ZJets']);
      // Resumed without releaseGroups: ZJets is still reported released, and not in the result.
      const resumed = backend.compute(twoDatasets(), { checkpoint });
      const result = await resumed.result();
      expect(resumed.partial().released).toEqual(['ZJets']);
      expect(Object.keys(result)).toEqual(['Data']);
      expect(result.Data).toEqual((await backend.compute(twoDatasets()).result()).Data);
    }
  });

  it('is refused by map(): a map merges nothing', () => {
    expect(() => inline().map(twoDatasets(), { releaseGroups: true } as never)).toThrow(/releaseGroups/);
  });
});
