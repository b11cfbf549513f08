/**
 * The cluster backend when Redis never answers (a closed port): a coded error naming the URL
 * without its password, in bounded time, and a process that exits on its own once the backend is
 * disposed — also after a task restored whole from its checkpoint, whose executor opened the
 * connections at once. No redis-server needed for those: nothing listens on port 1 of the loopback.
 * And when Redis goes away mid-run: cancel and dispose do not wait for it to come back. And when
 * it comes later: the next computation on the same backend connects anew.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { unlessLost } from '../src/backends/cluster/reachable.ts';
import { inline } from '../src/backends/inline.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { runCli } from './fixtures/cli/run-cli.ts';
import { countedSquare } from './fixtures/cluster/processors.ts';
import { DATA_DIR } from './helpers/data.ts';
import { tsNodeArgs } from './helpers/node-args.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

const CLOSED = 'redis://cortado:secret@127.0.0.1:1';
/** Far beyond what any step takes: a child still running then hangs. */
const HANG_MS = 60_000;

interface Described {
  name: string;
  code?: string;
  message: string;
}

/** How a driver process ended; `killed` when it was still running after {@link HANG_MS}. */
interface DriverRun {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** Starts a driver fixture (`fixtures/cluster/<name>`) against $REDIS_URL = {@link CLOSED} unless `env` says otherwise. */
function startDriver(name: string, env: Record<string, string>): { child: ChildProcessWithoutNullStreams; ended: Promise<DriverRun> } {
  const child = spawn(process.execPath, [...tsNodeArgs(), join(import.meta.dirname, 'fixtures/cluster', name)], {
    env: { ...process.env, REDIS_URL: CLOSED, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ended = new Promise<DriverRun>((resolve, reject) => {
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
  return { child, ended };
}

/** Runs the unreachable-driver fixture to its end. */
function runDriver(env: Record<string, string>): Promise<DriverRun> {
  return startDriver('unreachable-driver.ts', env).ended;
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
    expect(cause.message).toMatch(/^Redis at redis:\/\/cortado:\*\*\*@127\.0\.0\.1:1\/? did not answer within 1000 ms( \(.*ECONNREFUSED.*\))?: expected a redis-server/);
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

  it('`cortado run` and `cortado prepare` with `--backend cluster --redis-connect-timeout 1`: a Redis connection error after 1 s, not a failed preparation, naming the flag', async () => {
    const fileset = join(dir, 'fileset.json');
    writeFileSync(fileset, JSON.stringify({ DY: { files: { [join(DATA_DIR, 'nanoaod', 'nano_dy.root')]: 'Events' } } }));
    const cluster = ['--progress', 'none', '--backend', 'cluster', '--redis', CLOSED, '--redis-connect-timeout', '1'];
    const runs = await Promise.all([
      runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--out', join(dir, 'run.json'), ...cluster], { timeoutMs: HANG_MS }),
      runCli(['prepare', '--fileset', fileset, '--out', join(dir, 'prepared.json'), ...cluster], { timeoutMs: HANG_MS }),
    ]);
    for (const run of runs) {
      expect(run.signal, run.stderr).toBeNull();
      expect(run.code, run.stderr).toBe(3);
      // One line: what went wrong (Redis), the stable code, and how to wait longer from the command line.
      expect(run.stderr).toMatch(/^error: Could not connect to the cluster's Redis: RedisUnreachableError \[E_CLUSTER_UNREACHABLE\]: Redis at redis:\/\/cortado:\*\*\*@127\.0\.0\.1:1\/? did not answer within 1000 ms[^\n]*--redis-connect-timeout <seconds>[^\n]*\n$/);
      expect(run.stdout + run.stderr).not.toContain('secret');
    }
  }, HANG_MS + 30_000);

  it('`cortado worker` stopped (SIGTERM) before Redis ever answered stops at once: no grace period, exit code 0', async () => {
    // A grace period far beyond the hang bound: a worker that waits for it is killed, and the test fails.
    const worker = spawnWorker(CLOSED, ['--grace-ms', String(10 * HANG_MS)]);
    try {
      const deadline = Date.now() + HANG_MS;
      // Its first connection error: it is up, with its signal handlers, and has no batch (none can come).
      while (!worker.output().includes('ECONNREFUSED')) {
        if (Date.now() > deadline || worker.child.exitCode !== null) throw new Error(`Expected a connection error within ${HANG_MS} ms, got:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await worker.stop(HANG_MS), worker.output()).toBe(0);
      expect(worker.output()).toMatch(/stopped after 0 batches/);
      expect(worker.output()).not.toMatch(/still running/);
      expect(worker.output()).not.toContain('secret');
    } finally {
      worker.child.kill('SIGKILL');
    }
  }, 2 * HANG_MS + 30_000);
});

describeWithRedis('cluster(): a Redis that goes away mid-run', () => {
  it('cancel and dispose give up on it (after 5 s without Redis, not for ever), and the process exits on its own', async () => {
    const redis = await startRedis();
    const { child, ended } = startDriver('gone-driver.ts', { REDIS_URL: redis.url });
    try {
      // The driver's batches are queued (no worker takes them); then Redis goes, and the driver cancels.
      const client = redis.client();
      const deadline = Date.now() + HANG_MS;
      while ((await client.llen('cortado:batches:wait')) < 1) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Expected the driver to queue a batch within ${HANG_MS} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await redis.stop();
      // Long enough for the driver's sweeps (every 200 ms) to be waiting on the gone Redis when it cancels.
      await new Promise((r) => setTimeout(r, 1000));
      child.stdin.end('cancel\n');
      const run = await ended;
      expect(run.killed, `still running after ${HANG_MS} ms:\n${run.stdout}${run.stderr}`).toBe(false);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual(['cancelled', 'disposed']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await redis.stop();
    }
  }, HANG_MS + 30_000);
});

describeWithRedis('cluster(): a Redis that was not there at first', () => {
  /** Resolves with the next `n` lines the child prints (rejects if it exits first or after {@link HANG_MS}). */
  const lines = (child: ChildProcessWithoutNullStreams, n: number) =>
    new Promise<string[]>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`Expected ${n} lines within ${HANG_MS} ms, got:\n${text}`)), HANG_MS);
      const done = (end: () => void) => {
        clearTimeout(timer);
        child.stdout.off('data', read);
        child.off('close', closed);
        end();
      };
      const read = (d: Buffer) => {
        text += d;
        const got = text.split('\n').slice(0, -1);
        if (got.length >= n) done(() => resolve(got.slice(0, n)));
      };
      const closed = () => done(() => reject(new Error(`Expected ${n} lines, got an exit after:\n${text}`)));
      child.stdout.on('data', read);
      child.on('close', closed);
    });

  it('the next computation on the same backend connects anew and completes; disposed, no connection is left and the process exits on its own', async () => {
    // The port is held by a server that drops every connection (nobody else can take it) until Redis starts on it.
    const placeholder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => placeholder.listen(0, '127.0.0.1', resolve));
    const { port } = placeholder.address() as AddressInfo;
    const { child, ended } = startDriver('reconnect-driver.ts', { REDIS_URL: `redis://127.0.0.1:${port}` });
    let redis: TestRedis | undefined;
    let worker: WorkerProcess | undefined;
    try {
      const [first] = await lines(child, 1);
      expect(JSON.parse(first!)).toEqual({ status: 'cancelled', code: 'E_CLUSTER_UNREACHABLE' });
      await new Promise((resolve) => placeholder.close(resolve));
      redis = await startRedis({ port });
      worker = spawnWorker(redis.url);
      await worker.ready;
      const printed = lines(child, 2);
      child.stdin.write('again\n');
      const [second, disposed] = await printed;
      expect(JSON.parse(second!)).toEqual({ status: 'complete', result: 14 });
      expect(disposed).toBe('disposed');
      // With the worker gone, the only client left is the test's own: the disposed backend left none open.
      expect(await worker.stop(HANG_MS)).toBe(0);
      const client = redis.client();
      const clients = async () => String(await client.call('CLIENT', 'LIST')).trim().split('\n');
      for (const deadline = Date.now() + HANG_MS; (await clients()).length > 1 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      const left = await clients();
      expect(left, left.join('\n')).toHaveLength(1);
      child.stdin.end('end\n');
      const run = await ended;
      expect(run.killed, `still running after ${HANG_MS} ms:\n${run.stdout}${run.stderr}`).toBe(false);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      placeholder.close();
      await worker?.stop(2000);
      await redis?.stop();
    }
  }, 3 * HANG_MS + 30_000);
});

describe('unlessLost: Redis work given up once Redis has been gone for a while', () => {
  /** A connection as ioredis reports it: a status, and `close` / `ready` events. */
  class FakeRedis extends EventEmitter {
    status = 'ready';
    set(status: 'ready' | 'reconnecting'): void {
      this.status = status;
      this.emit(status === 'ready' ? 'ready' : 'close');
    }
  }
  const never = () => new Promise<string>(() => {});

  it('resolves as the work does while Redis is there, however long it takes', async () => {
    vi.useFakeTimers();
    try {
      const redis = new FakeRedis();
      let resolveWork!: (v: string) => void;
      const given = unlessLost(redis, new Promise<string>((r) => (resolveWork = r)), 1000);
      await vi.advanceTimersByTimeAsync(60_000);
      resolveWork('done');
      expect(await given).toBe('done');
      await expect(unlessLost(redis, Promise.reject(new Error('refused')), 1000)).rejects.toThrow('refused');
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives up (undefined) after `ms` without Redis, counted from the loss: reconnect attempts do not restart the count, a reconnect does', async () => {
    vi.useFakeTimers();
    try {
      const redis = new FakeRedis();
      let outcome: string | undefined = 'pending';
      void unlessLost(redis, never(), 1000).then((v) => (outcome = v));
      redis.set('reconnecting');
      await vi.advanceTimersByTimeAsync(600);
      redis.set('ready'); // back within the bound: the count stops
      await vi.advanceTimersByTimeAsync(5000);
      expect(outcome).toBe('pending');
      redis.set('reconnecting');
      await vi.advanceTimersByTimeAsync(600);
      redis.set('reconnecting'); // another failed attempt: still counted from the loss
      await vi.advanceTimersByTimeAsync(500);
      expect(outcome).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('with a signal, only time after the abort counts (a batch waits through an outage until it is cancelled)', async () => {
    vi.useFakeTimers();
    try {
      const redis = new FakeRedis();
      redis.set('reconnecting');
      const controller = new AbortController();
      let outcome: string | undefined = 'pending';
      void unlessLost(redis, never(), 1000, controller.signal).then((v) => (outcome = v));
      await vi.advanceTimersByTimeAsync(60_000);
      expect(outcome).toBe('pending');
      controller.abort();
      await vi.advanceTimersByTimeAsync(1100);
      expect(outcome).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
