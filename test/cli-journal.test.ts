/**
 * `cortado run` keeps a journal beside --out: a run killed with SIGKILL resumes from it with
 * `--resume`, a fresh run refuses to start over it, two runs never write one result at once.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executeRun, type RunRequest } from '../src/cli/execute.ts';
import { decodeFrames, encodeFrame } from '../src/journal/frame.ts';
import { peekCheckpoint } from '../src/journal/journal-checkpoint.ts';
import { acquireLock } from '../src/journal/lock.ts';
import { startCli } from './fixtures/cli/run-cli.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const quiet = () => {
  const err: string[] = [];
  return { err, output: { out: () => {}, err: (line: string) => void err.push(line) } };
};

describeWithData('the journal of cortado run', () => {
  let dir: string;
  let fileset: string;
  let killed: string;
  const request = (over: Partial<RunRequest>): RunRequest => ({ backend: { backend: 'inline' }, continueOn: [], progress: 'none', program: ['cortado'], ...over });
  const fresh = (out: string) => request({ processor: 'test/fixtures/kill/cli-work.ts', exportName: 'killDimuon', fileset, out, stepSize: 4 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-cli-journal-'));
    fileset = join(dir, 'fileset.json');
    writeFileSync(fileset, JSON.stringify({ DY: { files: { [join(DATA_DIR, 'nanoaod/nano_dy.parquet')]: 'Events' } } }));
    // A run killed with SIGKILL half-way: its journal holds what it had finished.
    killed = join(dir, 'killed');
    const out = join(killed, 'result.json');
    mkdirSync(killed, { recursive: true });
    const cli = startCli(['run', 'test/fixtures/kill/cli-work.ts', '--export', 'killDimuon', '--fileset', fileset, '--out', out, '--step-size', '4', '--progress', 'none'], {
      env: { CORTADO_KILL_DELAY_MS: '60', CORTADO_KILL_LOG: join(dir, 'log') },
    });
    // Killed once the journal holds a record beyond its header (a batch was accepted).
    const log = join(out + '.journal', 'journal.log');
    const header = () => (existsSync(log) ? readFileSync(log) : Buffer.alloc(0));
    let headerSize = 0;
    for (;;) {
      const bytes = header();
      if (bytes.length >= 8 && headerSize === 0) headerSize = 8 + bytes.readUInt32LE(0);
      if (headerSize > 0 && bytes.length > headerSize) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    cli.child.kill('SIGKILL');
    await cli.done;
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function copyOfKilled(name: string): string {
    const to = join(dir, name);
    cpSync(killed, to, { recursive: true });
    // The killed process's lock files would be taken over anyway (it is dead); copies keep them honest.
    return join(to, 'result.json');
  }

  it('leaves a journal, and no result file, when killed', () => {
    expect(readdirSync(killed).sort()).toEqual(['result.json.journal', 'result.json.lock']);
    // Not compacted yet (a snapshot comes every 4,096 records): the journal's header holds the run header.
    expect(readdirSync(join(killed, 'result.json.journal')).sort()).toEqual(['journal.log', 'lock']);
  });

  it('resumes a killed run from its journal alone, computing only the rest, and removes the journal', async () => {
    const out = copyOfKilled('resume');
    const { err, output } = quiet();
    const outcome = await executeRun(request({ resume: out }), output);
    expect(outcome.exitCode).toBe(0);
    expect(err.join('\n')).toMatch(/Resuming from the journal .*result\.json\.journal: (\d+) events were recorded/);
    const restored = Number(/: (\d+) events were recorded/.exec(err.join('\n'))![1]);
    expect(restored).toBeGreaterThanOrEqual(4);
    expect(restored).toBeLessThan(40);
    expect(outcome.run).toMatchObject({ status: 'complete', completed: [[0, 40]], processed: 40 });
    const reference = await executeRun(fresh(join(dir, 'reference.json')), quiet().output);
    expect(JSON.stringify(outcome.run!.result)).toBe(JSON.stringify(reference.run!.result));
    expect(readdirSync(join(dir, 'resume')).sort()).toEqual(['result.json']);
  }, 60_000);

  it('refuses a fresh run over the journal of a killed run, saying how to resume it', async () => {
    const out = copyOfKilled('fresh-over');
    await expect(executeRun(fresh(out), quiet().output)).rejects.toThrow(/stopped before it finished and left its journal .*result\.json\.journal: resume it with `cortado run --resume .*result\.json`/);
  });

  it('does not keep a journal with journal: false (--no-journal)', async () => {
    const out = join(dir, 'no-journal.json');
    const outcome = await executeRun({ ...fresh(out), journal: false }, quiet().output);
    expect(outcome.exitCode).toBe(0);
    expect(existsSync(`${out}.journal`)).toBe(false);
  });

  it('refuses a second run on a result file that a live run holds (concurrent --resume)', async () => {
    const out = copyOfKilled('locked');
    const lock = acquireLock(`${out}.lock`, 'test');
    try {
      // The lock file names this (live) process: a second run must not write the same result.
      writeFileSync(`${out}.lock`, `${process.ppid}@${(await import('node:os')).hostname()}`);
      await expect(executeRun(request({ resume: out }), quiet().output)).rejects.toMatchObject({ code: 'E_CHECKPOINT_LOCKED', message: expect.stringMatching(/is in use by process \d+@/) });
    } finally {
      lock.release();
    }
  });

  it('refuses to resume a journal written by other processor code (an edited module), naming it, and keeps the journal', async () => {
    const out = copyOfKilled('code-changed');
    // As if test/fixtures/kill/cli-work.ts had been edited since the run was killed: its journal recorded other code.
    const log = join(`${out}.journal`, 'journal.log');
    const { payloads } = decodeFrames(readFileSync(log));
    const header = JSON.parse(payloads[0]!.toString('utf8')) as { code: Record<string, string> };
    const processor = Object.keys(header.code).find((name) => name.endsWith('cli-work.ts#killDimuon'))!;
    header.code[processor] = '0000000000000000';
    writeFileSync(log, Buffer.concat([encodeFrame(JSON.stringify(header)), ...payloads.slice(1).map((p) => encodeFrame(p))]));
    await expect(executeRun(request({ resume: out }), quiet().output)).rejects.toMatchObject({
      code: 'E_CHECKPOINT_CODE_CHANGED',
      message: expect.stringContaining('cli-work.ts#killDimuon had code 0000000000000000, now '),
    });
    expect(readdirSync(`${out}.journal`)).toContain('journal.log');
  });

  it('drops a journal whose run already wrote the result file', async () => {
    const out = copyOfKilled('stale');
    const first = await executeRun(request({ resume: out }), quiet().output);
    expect(first.exitCode).toBe(0);
    // As if killed after writing the result file but before removing the journal.
    cpSync(join(killed, 'result.json.journal'), `${out}.journal`, { recursive: true });
    expect((peekCheckpoint(`${out}.journal`)!.meta as { runId: string }).runId).toBe(first.run!.runId);
    const second = await executeRun(request({ resume: out }), quiet().output);
    expect(second.exitCode).toBe(0);
    expect(existsSync(`${out}.journal`)).toBe(false);
    expect(second.run!.result).toEqual(first.run!.result);
  }, 60_000);
});
