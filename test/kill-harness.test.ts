/**
 * The kill harness in CI: for each backend, 20 random kill points (10 of the CLI, 10 of the
 * library driver), each followed by a resume; every chain ends with a result bit-identical to
 * the uninterrupted run's, and no kill costs more recomputed work than was in flight.
 * CORTADO_KILLS changes the number of kills per backend; CORTADO_KILL_SEED replays a sequence.
 * The cluster backend's kills are in kill-harness-cluster.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, runKillHarness } from './fixtures/kill/harness.ts';
import { cliReference, libraryReference } from './fixtures/kill/references.ts';
import { describeWithData } from './helpers/data.ts';

const root = mkdtempSync(join(tmpdir(), 'cortado-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const killsPerBackend = Number(process.env.CORTADO_KILLS ?? 20);
const seed = Number(process.env.CORTADO_KILL_SEED ?? Date.now() % 1_000_000);
// 20 kills of `cortado run` on threads took 180 s at load 12; more kills take proportionally longer.
const timeoutMs = Math.max(300_000, killsPerBackend * 15_000);

describe('kill harness: the library driver', () => {
  let reference: Promise<string> | undefined;
  it.concurrent.each(['inline', 'threads'] as const)('survives random SIGKILLs on %s and ends bit-identical', async (backend) => {
    reference ??= libraryReference();
    const dir = mkdtempSync(join(root, `lib-${backend}-`));
    const report = await runKillHarness({ mode: 'library', backend, kills: Math.ceil(killsPerBackend / 2), dir, seed: seed + (backend === 'threads' ? 1 : 0) }, await reference);
    console.log(formatReport(`library driver on ${backend} (seed ${seed})`, report));
    expect(report.problems).toEqual([]);
    expect(report.identical).toBe(report.chains);
    expect(report.kills.length).toBe(Math.ceil(killsPerBackend / 2));
  }, timeoutMs);
});

describeWithData('kill harness: the CLI', () => {
  it.concurrent.each(['inline', 'threads'] as const)('survives random SIGKILLs of `cortado run` on %s and ends bit-identical', async (backend) => {
    const dir = mkdtempSync(join(root, `cli-${backend}-`));
    const { fileset, reference } = await cliReference(dir);
    const report = await runKillHarness({ mode: 'cli', backend, kills: Math.floor(killsPerBackend / 2), dir, seed: seed + (backend === 'threads' ? 3 : 2), fileset }, reference);
    console.log(formatReport(`cortado run on ${backend} (seed ${seed})`, report));
    expect(report.problems).toEqual([]);
    expect(report.identical).toBe(report.chains);
  }, timeoutMs);
});
