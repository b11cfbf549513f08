/**
 * The kill harness in CI: for each backend, 20 random kill points (10 of the CLI, 10 of the
 * library driver), each followed by a resume; every chain ends with a result bit-identical to
 * the uninterrupted run's, and no kill costs more recomputed work than was in flight.
 * CORTADO_KILLS changes the number of kills per backend; CORTADO_KILL_SEED replays a sequence.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { serializeResult } from '../src/results/serialize.ts';
import { readJson, runCli } from './fixtures/cli/run-cli.ts';
import { formatReport, runKillHarness } from './fixtures/kill/harness.ts';
import { killWork } from './fixtures/kill/work.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const root = mkdtempSync(join(tmpdir(), 'cortado-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const killsPerBackend = Number(process.env.CORTADO_KILLS ?? 20);
const seed = Number(process.env.CORTADO_KILL_SEED ?? Date.now() % 1_000_000);

describe('kill harness: the library driver', () => {
  let reference: string;
  it.concurrent.each(['inline', 'threads'] as const)('survives random SIGKILLs on %s and ends bit-identical', async (backend) => {
    if (reference === undefined) {
      await using local = inline();
      reference = JSON.stringify(serializeResult(await local.compute(fromFunction(killWork, Array.from({ length: 120 }, (_, i) => i), { key: 'kill#120' })).result()));
    }
    const dir = mkdtempSync(join(root, `lib-${backend}-`));
    const report = await runKillHarness({ mode: 'library', backend, kills: Math.ceil(killsPerBackend / 2), dir, seed: seed + (backend === 'threads' ? 1 : 0) }, reference);
    console.log(formatReport(`library driver on ${backend} (seed ${seed})`, report));
    expect(report.problems).toEqual([]);
    expect(report.identical).toBe(report.chains);
    expect(report.kills.length).toBe(Math.ceil(killsPerBackend / 2));
  }, 300_000);
});

describeWithData('kill harness: the CLI', () => {
  it.concurrent.each(['inline', 'threads'] as const)('survives random SIGKILLs of `cortado run` on %s and ends bit-identical', async (backend) => {
    const dir = mkdtempSync(join(root, `cli-${backend}-`));
    const fileset = join(dir, 'fileset.json');
    writeFileSync(fileset, JSON.stringify({ DY: { files: { [join(DATA_DIR, 'nanoaod/nano_dy.parquet')]: 'Events' } }, Data: { files: { [join(DATA_DIR, 'nanoaod/nano_dimuon.parquet')]: 'Events' } } }));
    const referenceOut = join(dir, 'reference.json');
    const clean = await runCli(['run', 'test/fixtures/kill/cli-work.ts', '--export', 'killDimuon', '--fileset', fileset, '--out', referenceOut, '--step-size', '4', '--progress', 'none']);
    expect(clean.code).toBe(0);
    const reference = JSON.stringify(readJson(referenceOut).result);
    const report = await runKillHarness({ mode: 'cli', backend, kills: Math.floor(killsPerBackend / 2), dir, seed: seed + (backend === 'threads' ? 3 : 2), fileset }, reference);
    console.log(formatReport(`cortado run on ${backend} (seed ${seed})`, report));
    expect(report.problems).toEqual([]);
    expect(report.identical).toBe(report.chains);
  }, 300_000);
});
