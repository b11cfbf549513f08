/**
 * `cortado run --backend cluster` end to end: real `cortado worker` processes, a real
 * redis-server, the example processor over a real NanoAOD file; with `--reduce-every`, the
 * batches' results are merged on the workers, and the result equals the inline run's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './fixtures/cli/run-cli.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';
import { allKeys, describeWithRedis, spawnWorker, startRedis, type TestRedis, type WorkerProcess } from './helpers/redis.ts';

describeWithRedis('`cortado run --backend cluster`', () => {
  describeWithData('over a real file', () => {
    let redis: TestRedis;
    let dir: string;
    let fileset: string;
    const workers: WorkerProcess[] = [];
    const run = (out: string, extra: readonly string[]) =>
      runCli(['run', 'examples/dimuon.ts', '--fileset', fileset, '--step-size', '5', '--out', out, '--progress', 'none', '--no-journal', ...extra]);
    const result = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { result: unknown }).result;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cortado-cluster-cli-'));
      fileset = join(dir, 'fileset.json');
      writeFileSync(fileset, JSON.stringify({ DY: { files: { [join(DATA_DIR, 'nanoaod', 'nano_dy.root')]: 'Events' } } }));
      redis = await startRedis();
      workers.push(spawnWorker(redis.url), spawnWorker(redis.url));
      await Promise.all(workers.map((w) => w.ready));
    }, 60_000);
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.stop(3000)));
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('--reduce-every 3: workers merge the batches\' results; the result equals inline\'s, and the task leaves no key', async () => {
      const client = redis.client();
      const keysBefore = await allKeys(client);
      const [inline, clustered] = await Promise.all([
        run(join(dir, 'inline.json'), []),
        // 40 events in steps of 5: 8 chunks, one per batch, so reduce jobs have batches to merge.
        run(join(dir, 'cluster.json'), ['--backend', 'cluster', '--redis', redis.url, '--reduce-every', '3']),
      ]);
      expect(inline.code, inline.stderr).toBe(0);
      expect(clustered.code, clustered.stderr).toBe(0);
      expect(clustered.stdout + clustered.stderr).toMatch(/complete\. Processed 40 of 40 events/);
      expect(result(join(dir, 'cluster.json'))).toEqual(result(join(dir, 'inline.json')));
      // The merges ran on the workers: their heartbeats count them (one every 2 s, so poll).
      const merges = async () => {
        const beats = await client.mget(...(await client.keys('cortado:w:*')));
        return beats.reduce((n, b) => n + ((b === null ? undefined : (JSON.parse(b) as { mergesDone: number }).mergesDone) ?? 0), 0);
      };
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (await merges()) === 0) await sleep(200);
      expect(await merges()).toBeGreaterThan(0);
      const left = (await allKeys(client)).filter((k) => !keysBefore.includes(k) && !/^cortado:(w:|batches:(events|id|meta|stalled-check|marker)$)/.test(k));
      expect(left).toEqual([]);
    }, 60_000);
  });
});
