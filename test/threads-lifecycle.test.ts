import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { threads } from '../src/backends/threads.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { busyFor } from './fixtures/threads/faults.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

const fixture = fileURLToPath(new URL('./fixtures/threads/exits-by-itself.ts', import.meta.url));

/** Runs the fixture in a fresh Node process; resolves with its exit code and output, or rejects when it outlives `limitMs`. */
function runChild(args: string[], limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child process did not exit by itself within ${limitMs} ms; stderr: ${stderr}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('threads backend: cancellation and disposal', () => {
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
  });

  it('cancel() stops a worker in the middle of a long element instead of waiting for it', async () => {
    backend = threads({ workers: 2 });
    const task = backend.compute(fromFunction(busyFor, [30_000, 30_000]), { batchSize: 1 });
    // Let the workers start and pick up the 30-second elements.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const cancelledAt = performance.now();
    task.cancel();
    await task.wait();
    expect(task.status).toBe('cancelled');
    // Waiting for the element would take ~30 s; stopping it takes the 250 ms grace and a worker's
    // termination, which a loaded machine can stretch to seconds: 15 s tells the two apart.
    expect(performance.now() - cancelledAt).toBeLessThan(15_000);
  }, 60_000);

  it('cancel() lets a worker finish its current element and keeps what the batch completed', async () => {
    backend = threads({ workers: 1, maxInFlight: 1 });
    // A first batch of 1 s, then a second of 10 s (200 elements of 50 ms each).
    const task = backend.compute(fromFunction(busyFor, [...Array(200).fill(5), ...Array(200).fill(50)]), { batchSize: 200 });
    // Once the first batch is in, the second is dispatched: cancel it 1 s later, when it has done
    // some of its elements and is far from done (the old 100 ms and 1 s batch gave a loaded machine
    // too little time to start the batch, or to cancel before it ended).
    await new Promise<void>((resolve) => {
      const sub = task.progress$.subscribe((p) => {
        if (p.elementsDone >= 200) {
          queueMicrotask(() => sub.unsubscribe());
          resolve();
        }
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    task.cancel();
    const partial = await task.wait();
    expect(task.status).toBe('cancelled');
    expect(partial.processed).toBeGreaterThan(200);
    expect(partial.processed).toBeLessThan(400);
    expect(partial.result).toBe(partial.processed);
  });

  it('disposal terminates the pool: compute() then throws', async () => {
    const local = threads({ workers: 2 });
    await local.run(fromFunction(busyFor, [1, 1]));
    await local.dispose();
    expect(local.disposed).toBe(true);
    expect(() => local.compute(fromFunction(busyFor, [1]))).toThrow(/disposed/);
  });

  it('lets the process exit by itself, with code 0, after disposal', async () => {
    // A process that does not exit by itself is killed at the limit and fails the test; the limit
    // leaves a loaded machine room for tsx's start and the workers' (seconds each at load ~20).
    const { code, stdout } = await runChild([], 45_000);
    expect(stdout).toContain('result 328350');
    expect(code).toBe(0);
  }, 60_000);

  it('lets the process exit by itself even when the backend was never disposed', async () => {
    const { code, stdout } = await runChild(['--no-dispose'], 45_000);
    expect(stdout).toContain('result 328350');
    expect(code).toBe(0);
  }, 60_000);

  describeWithData('after reading compressed ROOT and Parquet files', () => {
    // What each dataset holds (golden/golden.json: entries, Muon_int32's count and sum), read
    // on the workers and again on the driver's thread: the per-thread decoders of the read paths
    // (a reused native ZSTD context, WebAssembly instances) must not hold either kind of thread.
    const golden = {
      parquetGzip: { events: 600, muons: 1208, sum: -24_376_188_369 },
      parquetSnappy: { events: 600, muons: 1208, sum: -24_376_188_369 },
      parquetZstd: { events: 1200, muons: 2416, sum: 2 * -24_376_188_369 },
      rootLz4: { events: 850, muons: 2137, sum: -45_414_348_342 },
      rootZlib: { events: 850, muons: 2206, sum: -7_030_589_231 },
      rootZstd: { events: 850, muons: 2143, sum: 20_151_836_618 },
    };
    it('lets the process exit by itself, with code 0, the backend never disposed', async () => {
      const { code, stdout, stderr } = await runChild(['--read', join(DATA_DIR, 'golden', 'gen'), '--no-dispose'], 45_000);
      const line = (name: string): unknown => JSON.parse(stdout.split('\n').find((l) => l.startsWith(`${name} `))?.slice(name.length + 1) ?? 'null');
      expect(line('workers'), `${stdout}\n${stderr}`).toEqual(golden);
      expect(line('inline'), `${stdout}\n${stderr}`).toEqual(golden);
      expect(stdout).toContain('result 328350');
      expect(code).toBe(0);
    }, 60_000);
  });
});

describe('a processor module that also runs the driver', () => {
  it('ends with a clear error instead of every worker starting its own pool', async () => {
    const { spawnSync } = await import('node:child_process');
    const fixture = new URL('./fixtures/threads/driver-and-processor.ts', import.meta.url).pathname;
    const child = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 50_000 });
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('status=cancelled');
    expect(child.stdout).toMatch(/error=threads\(\) was called inside a cortado worker thread.*isMainThread/);
  }, 60_000);
});
