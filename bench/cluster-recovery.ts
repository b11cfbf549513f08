/**
 * Recovery of the cluster backend after a worker is SIGKILLed in the middle of a batch, with the
 * default lock and stall settings (5 s each): the time from the kill to the first element of the
 * killed batch starting again on the other worker. Two local `cortado worker` processes; elements
 * of 50 ms in batches of 20. Prints each run and the median; the baseline in the same run is the
 * lock duration (a lost batch cannot come back before its lock expires).
 *
 *   npx tsx bench/cluster-recovery.ts [--runs 3] [--lock-ms 5000] [--stalled-ms 5000]
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';
import { filter, firstValueFrom } from 'rxjs';
import { defineProcessor } from '../src/protocol/processor.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { arg, fmt, median } from './stats.ts';

/** Appends `x start-time` to $CORTADO_BENCH_STAMPS, then sleeps 50 ms. */
export const stamped = defineProcessor(import.meta.url, 'stamped', async (x: number) => {
  appendFileSync(process.env.CORTADO_BENCH_STAMPS!, `${x} ${Date.now()}\n`);
  await sleep(50);
  return 1;
});

async function once(lockMs: string, stalledMs: string): Promise<number> {
  const { spawnWorker, startRedis } = await import('../test/helpers/redis.ts');
  const { cluster } = await import('../src/backends/cluster.ts');
  const dir = mkdtempSync(join(tmpdir(), 'cortado-recovery-'));
  const stamps = join(dir, 'stamps');
  const redis = await startRedis();
  const env = { CORTADO_BENCH_STAMPS: stamps };
  const args = ['--lock-ms', lockMs, '--stalled-ms', stalledMs];
  const [a, b] = [spawnWorker(redis.url, args, env), spawnWorker(redis.url, args, env)];
  try {
    await Promise.all([a.ready, b.ready]);
    const backend = cluster({ redis: redis.url });
    const inputs = Array.from({ length: 400 }, (_, i) => i);
    const task = backend.compute(fromFunction(stamped, inputs), { batchSize: 20 });
    await firstValueFrom(task.progress$.pipe(filter((p) => p.elementsDone >= 40)));
    await sleep(300);
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    const result = await task.result();
    if (result !== inputs.length) throw new Error(`expected ${inputs.length}, got ${result}`);
    await backend.dispose();
    const seen = new Map<number, number[]>();
    for (const line of readFileSync(stamps, 'utf8').split('\n').filter(Boolean)) {
      const [x, t] = line.split(' ').map(Number) as [number, number];
      seen.set(x, [...(seen.get(x) ?? []), t]);
    }
    const again = [...seen.values()].filter((ts) => ts.length > 1).map((ts) => ts[1]!);
    if (again.length === 0) throw new Error('the killed worker was not in the middle of a batch');
    return Math.min(...again) - killedAt;
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const lockMs = arg('lock-ms', '5000');
  const stalledMs = arg('stalled-ms', '5000');
  console.log(`recovery after a worker SIGKILL: lock ${lockMs} ms, stall check every ${stalledMs} ms; 2 workers; median of ${runs} runs`);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const ms = await once(lockMs, stalledMs);
    times.push(ms);
    console.log(`  run ${r + 1}: the killed batch started again ${fmt(ms)} ms after the kill`);
  }
  const m = median(times);
  console.log(`  median ${fmt(m)} ms = ${fmt(m / Number(lockMs), 2)}× the lock duration (baseline: a lost batch cannot return before its lock expires)`);
}

if (isMainThread) await main();
