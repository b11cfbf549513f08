/**
 * The cluster backend when Redis never answers (a closed port): a coded error naming the URL
 * without its password, in bounded time, and a process that exits on its own once the backend is
 * disposed — also after a task restored whole from its checkpoint, whose executor opened the
 * connections at once. No redis-server needed: nothing listens on port 1 of the loopback.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { runCli } from './fixtures/cli/run-cli.ts';
import { countedSquare } from './fixtures/cluster/processors.ts';
import { tsNodeArgs } from './helpers/node-args.ts';

const CLOSED = 'redis://cortado:secret@127.0.0.1:1';
/** Far beyond what any step takes: a child still running then hangs. */
const HANG_MS = 60_000;

interface Described {
  name: string;
  code?: string;
  message: string;
}

/** Runs the unreachable-driver fixture; `killed` when it was still running after {@link HANG_MS}. */
function runDriver(env: Record<string, string>): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsNodeArgs(), join(import.meta.dirname, 'fixtures/cluster/unreachable-driver.ts')], {
      env: { ...process.env, REDIS_URL: CLOSED, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, stdout, stderr });
    });
  });
}

describe('cluster(): a Redis that never answers', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-unreachable-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the task is cancelled by E_CLUSTER_UNREACHABLE naming the URL without its password; disposed, the process exits on its own', async () => {
    const run = await runDriver({ CONNECT_TIMEOUT_MS: '1000' });
    expect(run.killed, `still running after ${HANG_MS} ms:\n${run.stdout}${run.stderr}`).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const [line, disposed] = run.stdout.trim().split('\n');
    expect(disposed).toBe('disposed');
    const { status, error, cause } = JSON.parse(line!) as { status: string; error: Described; cause: Described };
    expect(status).toBe('cancelled');
    expect(error).toMatchObject({ code: 'E_TASK_CANCELLED' });
    expect(cause).toMatchObject({ name: 'RedisUnreachableError', code: 'E_CLUSTER_UNREACHABLE' });
    expect(cause.message).toMatch(/^Redis at redis:\/\/cortado:\*\*\*@127\.0\.0\.1:1\/? did not answer within 1000 ms \(.*ECONNREFUSED.*\): expected a redis-server/);
    expect(run.stdout + run.stderr).not.toContain('secret');
  }, HANG_MS + 30_000);

  it('a task restored whole from its checkpoint completes; dispose returns and the process exits on its own', async () => {
    const checkpoint = join(dir, 'whole.ckpt');
    await using local = inline();
    await local.compute(fromFunction(countedSquare, [1, 2, 3]), { batchSize: 1, checkpoint: { path: checkpoint, removeOnComplete: false } }).result();
    // A connect timeout beyond the hang bound: the cleanup and the disposal must not wait for Redis.
    const run = await runDriver({ CONNECT_TIMEOUT_MS: String(10 * HANG_MS), CHECKPOINT: checkpoint });
    expect(run.killed, `still running after ${HANG_MS} ms:\n${run.stdout}${run.stderr}`).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    const [line, disposed] = run.stdout.trim().split('\n');
    expect(JSON.parse(line!)).toEqual({ status: 'complete', restored: 3, result: 14 });
    expect(disposed).toBe('disposed');
  }, HANG_MS + 30_000);

  it('`cortado demo --backend cluster`: exits non-zero with E_CLUSTER_UNREACHABLE after the default 30 s, the password not shown', async () => {
    const run = await runCli(['demo', '--events', '2000', '--files', '1', '--out', join(dir, 'demo'), '--progress', 'none', '--backend', 'cluster', '--redis', CLOSED], {
      timeoutMs: HANG_MS + 30_000,
    });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stderr).toMatch(/E_CLUSTER_UNREACHABLE.*redis:\/\/cortado:\*\*\*@127\.0\.0\.1:1\/? did not answer within 30000 ms/s);
    expect(run.stdout + run.stderr).not.toContain('secret');
  }, HANG_MS + 60_000);
});
