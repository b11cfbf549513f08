/**
 * The kill harness's accounting (test/fixtures/kill/accounting.ts) on scripted logs, and `cortado
 * run` killed at two exact points the random kills rarely hit:
 * - right after its first chunk is done, before the result is recorded: the resumed run restores
 *   nothing and says nothing about a journal, so the old harness took the kill for one "after
 *   writing the result" and counted 0 in flight against 4 events computed twice (CI, Node 22);
 *   those 4 events were in flight, and are counted so now;
 * - right after the complete result file is renamed into place, its journal still there: the
 *   resumed run must compute nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountChain, fileOffsets, marker, readRecorded, type Attempt } from './fixtures/kill/accounting.ts';
import { canonical } from './fixtures/kill/harness.ts';
import { cliReference } from './fixtures/kill/references.ts';
import { REPO, runCli } from './fixtures/cli/run-cli.ts';
import { describeWithData } from './helpers/data.ts';

const noRecord = { ranges: [], journal: 0 };

describe('kill accounting (scripted logs)', () => {
  it('counts a chunk done but not recorded at the kill as in flight, and its second computation as explained', () => {
    const text = [marker(1, 0), '11/0 s a:0 4', '11/0 d a:0 4', marker(1, 1), '12/0 s a:0 4', '12/0 d a:0 4', '12/0 s a:4 4', '12/0 d a:4 4', ''].join('\n');
    const attempts: Attempt[] = [{ how: 'work 3', recorded: noRecord }, { how: 'completion', recorded: undefined }];
    const account = accountChain(text, attempts, 8, new Map([['a', 0]]));
    expect(account.kills).toEqual([{ how: 'work 3', recorded: 0, inFlight: 4, recomputed: 4 }]);
    expect(account.duplicated).toBe(4);
    expect(account.problems).toEqual([]);
  });

  it('fails when work recorded before a kill is computed again', () => {
    const text = [marker(1, 0), '11/0 s 0 1', '11/0 d 0 1', '11/0 s 1 1', '11/0 d 1 1', marker(1, 1), '12/0 s 1 1', '12/0 d 1 1', '12/0 s 0 1', '12/0 d 0 1', ''].join('\n');
    const attempts: Attempt[] = [{ how: 'work 2', recorded: { ranges: [[0, 1]], journal: 1 } }, { how: 'completion', recorded: undefined }];
    const account = accountChain(text, attempts, 2);
    expect(account.kills).toEqual([{ how: 'work 2', recorded: 1, inFlight: 1, recomputed: 1 }]);
    expect(account.problems.join('\n')).toMatch(/event 0, recorded at kill 0 \(work 2\), computed again in attempt 1/);
  });

  it('fails when one process computes an event twice, and when an event is never logged', () => {
    const text = [marker(1, 0), '11/0 s 0 1', '11/0 d 0 1', '11/1 s 0 1', '11/1 d 0 1', ''].join('\n');
    const account = accountChain(text, [{ how: 'completion', recorded: undefined }], 2);
    expect(account.duplicated).toBe(1);
    expect(account.problems.join('\n')).toMatch(/event 0 2 times in attempt 0/);
    expect(account.problems.join('\n')).toMatch(/never computed in the log \(log lines lost\?\): 1/);
    expect(account.problems.join('\n')).toMatch(/1 events computed twice in the log, but only 0 were in flight/);
  });

  it('counts a cluster batch finished after its driver died and taken over by the next as in flight, not recomputed', () => {
    // The worker's lines of the dead driver's batch come before the next marker (the harness waits for them).
    const text = [marker(1, 0), '30/1 s 0 1', '30/1 s 1 1', '30/1 d 0 1', '30/1 d 1 1', marker(1, 1), '30/2 s 2 1', '30/2 d 2 1', ''].join('\n');
    const attempts: Attempt[] = [{ how: 'work 1', recorded: noRecord }, { how: 'completion', recorded: undefined }];
    const account = accountChain(text, attempts, 3);
    expect(account.kills).toEqual([{ how: 'work 1', recorded: 0, inFlight: 2, recomputed: 0 }]);
    expect(account.duplicated).toBe(0);
    expect(account.problems).toEqual([]);
  });

  it('refuses log lines before the first marker or naming an unknown file', () => {
    const account = accountChain(['11/0 d 0 1', marker(1, 0), '11/0 d b:0 1', ''].join('\n'), [{ how: 'completion', recorded: undefined }], 1, new Map([['a', 0]]));
    expect(account.problems.join('\n')).toMatch(/outside any attempt/);
    expect(account.problems.join('\n')).toMatch(/a file the run does not have/);
  });
});

describeWithData('cortado run killed at exact points', () => {
  const root = mkdtempSync(join(tmpdir(), 'cortado-kill-exact-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  // One uninterrupted run for all cases: its fileset and its result.
  let shared: ReturnType<typeof cliReference> | undefined;
  const uninterrupted = () => (shared ??= cliReference(mkdtempSync(join(root, 'reference-'))));

  /** Runs the kill harness's CLI work with its log, `env` added; the log gets a marker first. */
  function run(dir: string, args: readonly string[], attempt: number, env: Record<string, string> = {}) {
    const log = join(dir, 'work.log');
    appendFileSync(log, marker(1, attempt));
    return runCli([...args, '--progress', 'none'], { env: { CORTADO_KILL_LOG: log, CORTADO_KILL_DELAY_MS: '1', ...env } });
  }

  it('a run killed right after its first chunk is done: the resume recomputes exactly that chunk, counted in flight', async () => {
    const dir = mkdtempSync(join(root, 'first-'));
    const { fileset, reference } = await uninterrupted();
    const out = join(dir, 'result.json');
    const killed = await run(dir, ['run', 'test/fixtures/kill/cli-work.ts', '--export', 'killDimuon', '--fileset', fileset, '--out', out, '--step-size', '4'], 0, { KILL_AFTER_FIRST_DONE: '1' });
    expect(killed.signal).toBe('SIGKILL');
    const recorded = await readRecorded('cli', out, `${out}.journal`, 80);
    expect(recorded).toEqual({ ranges: [], journal: 0 });
    const resumed = await run(dir, ['run', '--resume', out], 1);
    expect(resumed.code).toBe(0);
    // Nothing was recorded, so nothing is said about restoring: the case the old harness misread.
    expect(resumed.stderr).not.toMatch(/Resuming from the journal/);
    expect(canonical(JSON.parse(readFileSync(out, 'utf8')).result)).toBe(canonical(JSON.parse(reference)));
    const account = accountChain(readFileSync(join(dir, 'work.log'), 'utf8'), [{ how: 'after the first chunk', recorded }, { how: 'completion', recorded: undefined }], 80, fileOffsets(out));
    expect(account.problems).toEqual([]);
    // The first chunk (4 events) done, maybe the next one started: all in flight; the done one computed again.
    expect(account.kills).toEqual([{ how: 'after the first chunk', recorded: 0, inFlight: expect.any(Number), recomputed: 4 }]);
    expect(account.kills[0]!.inFlight).toBeGreaterThanOrEqual(4);
    expect(account.duplicated).toBe(4);
  }, 120_000);

  it.each(['inline', 'threads'] as const)('a run on %s killed right after its complete result file is in place: the resume computes nothing', async (backend) => {
    const dir = mkdtempSync(join(root, `renamed-${backend}-`));
    const { fileset, reference } = await uninterrupted();
    const out = join(dir, 'result.json');
    const preload = resolve(REPO, 'test/fixtures/kill/die-after-rename.mjs');
    const killed = await run(dir, ['run', 'test/fixtures/kill/cli-work.ts', '--export', 'killDimuon', '--fileset', fileset, '--out', out, '--step-size', '4', '--backend', backend], 0, {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`,
      KILL_AFTER_RENAME_TO: out,
    });
    expect(killed.signal).toBe('SIGKILL');
    // Killed between the rename and the journal's removal: both are there.
    expect(existsSync(`${out}.journal`)).toBe(true);
    const recorded = await readRecorded('cli', out, `${out}.journal`, 80);
    expect(recorded.journal).toBe(80);
    const resumed = await run(dir, ['run', '--resume', out, '--backend', backend], 1);
    expect(resumed.code).toBe(0);
    expect(existsSync(`${out}.journal`)).toBe(false);
    expect(canonical(JSON.parse(readFileSync(out, 'utf8')).result)).toBe(canonical(JSON.parse(reference)));
    const log = readFileSync(join(dir, 'work.log'), 'utf8');
    // Not one line of work after the resumed run's marker.
    expect(log.slice(log.indexOf(marker(1, 1)) + marker(1, 1).length)).toBe('');
    const account = accountChain(log, [{ how: 'after the rename', recorded }, { how: 'completion', recorded: undefined }], 80, fileOffsets(out));
    expect(account.problems).toEqual([]);
    expect(account.kills).toEqual([{ how: 'after the rename', recorded: 80, inFlight: 0, recomputed: 0 }]);
  }, 120_000);
});
