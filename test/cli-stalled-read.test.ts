import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runCli, startCli } from './fixtures/cli/run-cli.ts';

// A FIFO nobody writes to stands in for a stalled network file system: opening it for reading
// blocks in the kernel. The CLI must neither hang nor ignore Ctrl-C.
const SLOW = join(REPO, 'test/fixtures/cli/slow-dimuon.ts');
const dir = mkdtempSync(join(tmpdir(), 'cortado-stalled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stalledFileset(name: string): string {
  const fifo = join(dir, `${name}.parquet`);
  execFileSync('mkfifo', [fifo]);
  const fileset = join(dir, `${name}.json`);
  writeFileSync(fileset, JSON.stringify({ dy: { files: { [fifo]: 'Events' } } }));
  return fileset;
}

/** Whether a thread of process `pid` waits in the kernel for a FIFO's other end (Linux). */
function blockedOnFifo(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some((t) => readFileSync(`/proc/${pid}/task/${t}/wchan`, 'utf8') === 'wait_for_partner');
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('cortado run on a stalled file (a FIFO)', () => {
  it('reports E_IO_TIMEOUT naming the file and exits on its own', async () => {
    const fileset = stalledFileset('timeout');
    const run = await runCli(['run', SLOW, '--export', 'slowDimuon', '--fileset', fileset, '--out', join(dir, 'timeout-out.json'),
      '--retries', '0', '--progress', 'none'], { env: { CORTADO_IO_TIMEOUT_MS: '300' } });
    expect(run.stdout).toContain('E_IO_TIMEOUT');
    expect(run.stdout).toContain(join(dir, 'timeout.parquet'));
    expect(run.code).toBe(2);
  }, 60_000);

  it('exits on Ctrl-C while a read is stuck', async () => {
    const fileset = stalledFileset('interrupt');
    const cli = startCli(['run', SLOW, '--export', 'slowDimuon', '--fileset', fileset, '--out', join(dir, 'interrupt-out.json'),
      '--progress', 'none'], { env: { CORTADO_IO_TIMEOUT_MS: '600000' } });
    const pid = cli.child.pid!;
    for (let i = 0; i < 600 && !blockedOnFifo(pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(blockedOnFifo(pid)).toBe(true); // the open is stuck in the kernel now, not yet timed out
    cli.child.kill('SIGINT');
    const stopped = await cli.done;
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('SIGINT: cancelling');
  }, 60_000);
});
