/**
 * The cluster backend over TLS: a redis-server that listens with TLS only (`--port 0
 * --tls-port …`), certificates made at test time with openssl, the driver's `tls` options and
 * `cortado worker --tls-ca`. A client given the wrong CA fails at once with `E_CLUSTER_TLS`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster } from '../src/backends/cluster.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { runCli } from './fixtures/cli/run-cli.ts';
import { square } from './fixtures/processors.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';
import { hasOpenssl, makeCertificates } from './helpers/tls-certs.ts';

const inputs = Array.from({ length: 40 }, (_, i) => i);
const sumOfSquares = (xs: readonly number[]) => xs.reduce((s, x) => s + x * x, 0);

if (!hasOpenssl) {
  if (process.env.CI) throw new Error('Expected openssl on the PATH (CI is set; apt-get install openssl), got none');
  console.warn('[skip] cluster TLS tests: openssl is not installed (apt-get install openssl)');
}

(hasOpenssl ? describeWithRedis : describe.skip)('cluster(): Redis over TLS (rediss://)', () => {
  let redis: TestRedis;
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-tls-'));
    certs = makeCertificates(dir);
    redis = await startRedis({ tls: certs });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('driver (tls: { ca }) and `cortado worker --tls-ca` compute over rediss://; the result is exact', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
    const w = spawnWorker(redis.url, ['--tls-ca', certs.ca]);
    workers.push(w);
    await w.ready;
    await using backend = cluster({ redis: { url: redis.url, tls: { ca: readFileSync(certs.ca) } }, sweepMs: 250 });
    const task = backend.compute(fromFunction(square, inputs), { batchSize: 8 });
    expect(await task.result()).toBe(sumOfSquares(inputs));
    expect((await backend.workers()).map((l) => l.pid)).toContain(w.child.pid);
  }, 60_000);

  it('the wrong CA: the driver fails at once with E_CLUSTER_TLS, and so does a worker (exit 1)', async () => {
    await using backend = cluster({ redis: { url: redis.url, tls: { ca: readFileSync(certs.wrongCa) } }, sweepMs: 250 });
    const task = backend.compute(fromFunction(square, inputs), { batchSize: 8, errorPolicy: { maxRetries: 0, backoff: false } });
    const partial = await task.wait();
    expect(task.status).toBe('cancelled');
    expect(partial.error).toMatchObject({ code: 'E_CLUSTER_TLS' });
    expect((partial.error as Error).message).toMatch(/TLS to Redis at rediss:\/\/127\.0\.0\.1:\d+\/? failed: the server certificate did not verify \(SELF_SIGNED_CERT_IN_CHAIN.*give that CA as `tls: \{ ca \}`/);

    const w = spawnWorker(redis.url, ['--tls-ca', certs.wrongCa]);
    workers.push(w);
    expect(await w.exited).toBe(1);
    expect(w.output()).toMatch(/E_CLUSTER_TLS.*--tls-ca/);
  }, 60_000);

  it('the wrong CA on the driver, again and again: E_CLUSTER_TLS each time, never an unhandled socket error', async () => {
    // ioredis listens for a socket's first error only; the server's alert may come as a second
    // one. The driver checks the certificate with a handshake of its own before ioredis connects.
    for (let k = 0; k < 5; k++) {
      await using backend = cluster({ redis: { url: redis.url, tls: { ca: readFileSync(certs.wrongCa) } }, sweepMs: 250 });
      const partial = await backend.compute(fromFunction(square, inputs), { errorPolicy: { maxRetries: 0, backoff: false } }).wait();
      expect(partial.error).toMatchObject({ code: 'E_CLUSTER_TLS' });
      await expect(backend.workers()).rejects.toMatchObject({ code: 'E_CLUSTER_TLS' });
    }
  }, 60_000);

  it('a server certificate of another CA, then one of the CA given (CONFIG SET): the next computation on the same backend connects anew', async () => {
    const own = await startRedis({ tls: { cert: certs.wrongCert, key: certs.key, ca: certs.wrongCa } });
    let w: WorkerProcess | undefined;
    try {
      await using backend = cluster({ redis: { url: own.url, tls: { ca: readFileSync(certs.ca) } } });
      const partial = await backend.compute(fromFunction(square, [1, 2, 3]), { errorPolicy: { maxRetries: 0, backoff: false } }).wait();
      expect(partial.error).toMatchObject({ code: 'E_CLUSTER_TLS' });
      await own.client().config('SET', 'tls-cert-file', certs.cert);
      w = spawnWorker(own.url, ['--tls-ca', certs.ca]);
      await w.ready;
      expect(await backend.compute(fromFunction(square, [1, 2, 3])).result()).toBe(14);
    } finally {
      await w?.stop(2000);
      await own.stop();
    }
  }, 60_000);

  it('no CA at all against a server certificate of a private CA: E_CLUSTER_TLS too (never a silent wait)', async () => {
    await using backend = cluster({ redis: redis.url, sweepMs: 250 });
    const partial = await backend.compute(fromFunction(square, [1, 2]), { errorPolicy: { maxRetries: 0, backoff: false } }).wait();
    expect(partial.error).toMatchObject({ code: 'E_CLUSTER_TLS' });
  }, 60_000);

  describeWithData('`cortado run --backend cluster` with CORTADO_REDIS_TLS_CA', () => {
    let fileset: string;
    const run = (out: string, env: Record<string, string>, extra: readonly string[] = []) =>
      runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--step-size', '10', '--out', out, '--progress', 'none', '--no-journal', ...extra], { env });
    const result = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { result: unknown }).result;

    beforeAll(() => {
      fileset = join(dir, 'fileset.json');
      writeFileSync(fileset, JSON.stringify({ DY: { files: { [join(DATA_DIR, 'nanoaod', 'nano_dy.root')]: 'Events' } } }));
    });

    it('the right CA: the run computes over rediss:// on a worker, and its result equals the inline run\'s', async () => {
      const w = spawnWorker(redis.url, ['--tls-ca', certs.ca]);
      workers.push(w);
      await w.ready;
      const cluster = ['--backend', 'cluster', '--redis', redis.url];
      const [inline, clustered] = await Promise.all([run(join(dir, 'inline.json'), {}), run(join(dir, 'cluster.json'), { CORTADO_REDIS_TLS_CA: certs.ca }, cluster)]);
      expect(inline.code, inline.stderr).toBe(0);
      expect(clustered.code, clustered.stderr).toBe(0);
      expect(result(join(dir, 'cluster.json'))).toEqual(result(join(dir, 'inline.json')));
    }, 90_000);

    it('the wrong CA: each run fails with E_CLUSTER_TLS naming CORTADO_REDIS_TLS_CA, no unhandled error, no result', async () => {
      const runs = await Promise.all([0, 1, 2].map((k) => run(join(dir, `wrong-${k}.json`), { CORTADO_REDIS_TLS_CA: certs.wrongCa }, ['--backend', 'cluster', '--redis', redis.url])));
      for (const [k, r] of runs.entries()) {
        expect(r.code, r.stderr).not.toBe(0);
        expect(r.signal).toBeNull();
        expect(r.stderr).toMatch(/E_CLUSTER_TLS.*did not verify.*CORTADO_REDIS_TLS_CA/s);
        expect(r.stderr).not.toMatch(/Unhandled|ERR_UNHANDLED_ERROR|TLSSocket/);
        expect(existsSync(join(dir, `wrong-${k}.json`))).toBe(false);
      }
    }, 90_000);
  });
});
