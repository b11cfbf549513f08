/**
 * The kill harness on the cluster backend: a real redis-server on a free loopback port, a real
 * `cortado worker` process, and the driver — the library driver and `cortado run --backend
 * cluster` — SIGKILLed at random points and resumed (each resume waits for the killed driver's
 * 1 s lease, then takes over what the worker stored meanwhile). Every chain must end
 * bit-identical to the uninterrupted run, and no event may be computed twice unless it was in
 * flight at a kill (the harness's per-event accounting, test/fixtures/kill/accounting.ts).
 * In flight, on a cluster, is everything the driver had handed out: the batches running and those
 * queued (up to `slots`), which the worker goes on computing after the kill; the harness waits
 * for them to drain before it marks the log for the next process, so that all of it counts in
 * the killed driver's share — by cause (no batch left), not by timing. Before each chain, Redis must
 * hold nothing of the chains before it (a fresh run would take a leftover result as its own, and its
 * events would show as never computed in the log).
 * CORTADO_CLUSTER_KILLS sets the kills (half library, half CLI; default 20, the count), CORTADO_KILL_SEED
 * replays a sequence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatReport, runKillHarness, type HarnessOptions } from './fixtures/kill/harness.ts';
import { cliReference, libraryReference } from './fixtures/kill/references.ts';
import { hasData } from './helpers/data.ts';
import { describeWithRedis, spawnWorker, startRedis, type TestRedis } from './helpers/redis.ts';

// 20 in the suite (10 library, 10 CLI), the count: each kill costs a driver start, a 1 s lease
// and a drain, about 2 s on a quiet machine and 8-17 s on 2 cores at load 18 (hence the timeouts).
const kills = Number(process.env.CORTADO_CLUSTER_KILLS ?? 20);
const seed = Number(process.env.CORTADO_KILL_SEED ?? Date.now() % 1_000_000);

describeWithRedis('kill harness: the cluster backend', () => {
  let redis: TestRedis;
  let root: string;
  beforeAll(async () => {
    redis = await startRedis();
    root = mkdtempSync(join(tmpdir(), 'cortado-kill-cluster-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** Polls until no batch is queued or running: the killed driver's batches have all been computed. */
  async function drained(): Promise<void> {
    const client = redis.client();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const replies = (await client
        .multi()
        .llen('cortado:batches:wait')
        .llen('cortado:batches:active')
        .zcard('cortado:batches:prioritized')
        .zcard('cortado:batches:delayed')
        .exec())!;
      const [wait = 0, active = 0, prioritized = 0, delayed = 0] = replies.map(([, n]) => Number(n));
      if (wait + active + prioritized + delayed === 0) return;
      if (Date.now() > deadline) throw new Error(`Expected the killed driver's batches to drain, got ${wait} waiting and ${active} running after 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * What the chains before left in Redis for the next one to take: task keys (a result a fresh run
   * could absorb as its own) or batches not over. Runs between chains, when no driver is alive.
   */
  async function leftovers(): Promise<string | undefined> {
    const client = redis.client();
    const keys = (await client.keys('cortado:t:*')).sort();
    const jobs = await client.multi().lrange('cortado:batches:wait', 0, -1).lrange('cortado:batches:active', 0, -1).exec();
    const queued = jobs!.flatMap(([, ids]) => ids as string[]);
    if (keys.length === 0 && queued.length === 0) return undefined;
    const described = await Promise.all(keys.map(async (k) => `${k} (${await client.type(k)}, ttl ${await client.pttl(k)} ms)`));
    return `Redis held ${keys.length} task key(s) [${described.join(', ')}] and ${queued.length} batch(es) not over [${queued.join(', ')}]`;
  }

  /** Runs the harness with a `cortado worker` logging to the harness's log; checks that Redis is left clean. */
  async function harness(options: Omit<HarnessOptions, 'backend' | 'redis' | 'dir'>, dir: string, reference: string, name: string): Promise<void> {
    // The driver is what gets killed here, never the worker: a lock a loaded machine cannot lapse
    // (the suite's 1 s lock can, and BullMQ then reruns the batch on this worker, which the
    // accounting rightly counts as one process computing events twice).
    const worker = spawnWorker(redis.url, ['--workers', '2', '--lock-ms', '10000', '--stalled-ms', '10000'], { CORTADO_KILL_LOG: join(dir, 'work.log'), CORTADO_KILL_DELAY_MS: '4' });
    try {
      await worker.ready;
      const report = await runKillHarness({ ...options, backend: 'cluster', redis: redis.url, dir, afterKill: drained, beforeChain: leftovers }, reference);
      console.log(formatReport(`${name} on cluster (seed ${seed})`, report));
      expect(report.problems).toEqual([]);
      expect(report.identical).toBe(report.chains);
      expect(report.kills.length).toBe(options.kills);
    } finally {
      await worker.stop();
    }
    // Every chain ended with a completed run: nothing of its tasks is left in Redis.
    expect(await redis.client().keys('cortado:t:*')).toEqual([]);
  }

  it('survives random SIGKILLs of the library driver and ends bit-identical', async () => {
    const dir = mkdtempSync(join(root, 'lib-'));
    await harness({ mode: 'library', kills: Math.ceil(kills / 2), seed: seed + 4 }, dir, await libraryReference(), 'library driver');
  }, 600_000);

  it.runIf(hasData || process.env.CI)('survives random SIGKILLs of `cortado run --backend cluster` and ends bit-identical', async () => {
    const dir = mkdtempSync(join(root, 'cli-'));
    const { fileset, reference } = await cliReference(dir);
    await harness({ mode: 'cli', kills: Math.floor(kills / 2), seed: seed + 5, fileset }, dir, reference, 'cortado run');
  }, 600_000);
});
