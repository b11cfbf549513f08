import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoFileset } from '../src/io/demo/generate.ts';
import { readJson, runCli } from './fixtures/cli/run-cli.ts';

const SLOW = join(import.meta.dirname, 'fixtures/cli/slow-dimuon.ts');
const GUARDED = join(import.meta.dirname, 'fixtures/cli/guarded.ts');
const DIMUON = 'examples/dimuon.ts';
/** The line of slow-dimuon.ts where `buggy` throws. */
const THROW_LINE = readFileSync(SLOW, 'utf8').split('\n').findIndex((l) => l.includes("throw new TypeError('Cannot read properties")) + 1;

describe('cortado run and prepare: machine-readable output, stack traces, guards', () => {
  let dir: string;
  let fileset: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-output-'));
    fileset = (await generateDemoFileset(join(dir, 'data'), { files: 1, eventsPerFile: 2000, seed: 3 })).filesetPath;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('`run --json` prints one JSON summary on stdout and nothing else', async () => {
    const out = join(dir, 'json.json');
    const run = await runCli(['run', DIMUON, '--fileset', fileset, '--out', out, '--json', '--step-size', '500']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ command: 'run', status: 'complete', exitCode: 0, processed: 4000, size: 4000, processedNow: 4000, chunks: 8, skipped: [], failed: [], out });
    expect(summary.eventsPerSecond).toBeGreaterThan(0);
    expect(run.stderr).toContain('run 4,000/4,000 events (100%)'); // progress stays on stderr
  });

  it('`prepare --json` prints one JSON summary on stdout and nothing else', async () => {
    const out = join(dir, 'prepared.json');
    const run = await runCli(['prepare', '--fileset', fileset, '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      command: 'prepare', status: 'complete', exitCode: 0, out, files: 2, entries: 4000,
      datasets: [{ name: 'DYJetsToLL', files: 1, entries: 2000 }, { name: 'SingleMuon', files: 1, entries: 2000 }],
      skipped: [], failed: [],
    });
  });

  it("shows a fatal error's stack at the processor's file:line on stderr and in the result file, without cortado's frames", async () => {
    const out = join(dir, 'buggy.json');
    const run = await runCli(['run', SLOW, '--export', 'buggy', '--fileset', fileset, '--retries', '0', '--out', out, '--progress', 'none', '--json']);
    expect(run.code).toBe(3);
    const where = new RegExp(`slow-dimuon\\.ts:${THROW_LINE}:\\d+`);
    expect(run.stderr).toContain('The run was cancelled by this error:\nTypeError: Cannot read properties of undefined');
    expect(run.stderr).toMatch(where);
    expect(run.stderr).not.toMatch(/\/src\/(actors|backends|io)\//);
    expect(run.stderr).toMatch(/frames? of cortado and Node \(--verbose shows them\)/);
    const saved = readJson(out);
    expect(saved.error.stack).toMatch(where);
    expect(saved.error.stack).not.toMatch(/\/src\/(actors|backends|io)\//);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: 'cancelled', exitCode: 3, error: { name: 'TypeError', stack: saved.error.stack } });
    expect(summary.resume).toContain('--resume');

    const verbose = await runCli(['run', SLOW, '--export', 'buggy', '--fileset', fileset, '--retries', '0', '--out', join(dir, 'verbose.json'), '--progress', 'none', '--verbose']);
    expect(verbose.code).toBe(3);
    expect(verbose.stderr).toMatch(where);
    expect(verbose.stderr).toMatch(/\/src\/(actors|backends|io)\/\S+\.ts:\d+/);
  });

  it('--element-timeout stops a chunk that runs too long on threads (E_ELEMENT_TIMEOUT)', async () => {
    const out = join(dir, 'timeout.json');
    const args = ['run', GUARDED, '--export', 'spinning', '--fileset', fileset, '--backend', 'threads', '--workers', '1', '--out', out, '--progress', 'none'];
    // Spinning at any size: with --split-depth 0 the chunk is not halved (each piece would take 8 s too).
    const run = await runCli([...args, '--element-timeout', '8', '--split-depth', '0', '--continue-on', 'E_ELEMENT_TIMEOUT', '--json']);
    expect(run.code).toBe(2);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ status: 'incomplete', processed: 2000, skipped: [{ reason: 'E_ELEMENT_TIMEOUT', chunks: 1, entries: 2000 }] });
    expect(summary.resume).toContain('--element-timeout 8');
    expect(summary.resume).toContain('--split-depth 0');
  });

  it('--max-memory caps the heap of each worker thread (E_WORKER_OOM); a chunk that runs out at every size is halved --split-depth times, then skipped whole', { timeout: 90_000 }, async () => {
    const out = join(dir, 'oom.json');
    const args = ['run', GUARDED, '--export', 'hoarding', '--fileset', fileset, '--backend', 'threads', '--workers', '1', '--out', out, '--progress', 'none'];
    const run = await runCli([...args, '--max-memory', '48', '--split-depth', '1', '--continue-on', 'E_WORKER_OOM', '--json']);
    expect(run.code).toBe(2);
    const summary = JSON.parse(run.stdout);
    // Its first half ran out of memory too (the message names it); the chunk is skipped whole, once.
    expect(summary).toMatchObject({ status: 'incomplete', processed: 2000, skipped: [{ reason: 'E_WORKER_OOM', chunks: 1, entries: 2000 }] });
    expect(summary.skipped[0].message).toMatch(/element \[2000, 3000\) ran out of memory/);
    expect(summary.skipped[0].message).toContain('maxMemoryMb is 48');
  });

  it('refuses --element-timeout and --max-memory without worker threads, and bad values', async () => {
    const inline = await runCli(['run', DIMUON, '--fileset', fileset, '--element-timeout', '5']);
    expect(inline.code).toBe(1);
    expect(inline.stderr).toBe('error: Expected --element-timeout only with --backend threads, got it with --backend inline\n');
    const bad = await runCli(['run', DIMUON, '--fileset', fileset, '--backend', 'threads', '--max-memory', '2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--max-memory <MiB>' argument '2' is invalid. Expected an integer from 8 up");
    const seconds = await runCli(['run', DIMUON, '--fileset', fileset, '--backend', 'threads', '--element-timeout', 'soon']);
    expect(seconds.code).toBe(1);
    expect(seconds.stderr).toContain('Expected a positive number of seconds, got `soon`');
  });
});
