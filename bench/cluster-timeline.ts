/**
 * Where a cluster run's time goes, from the workers' own log lines (one per batch: when it was
 * taken, how long it computed, when its result was stored): for each timed run and each worker
 * process, the idle time before its first batch, between batches, and after its last one until
 * the driver had the whole result. What the two-worker run loses against 2× shows up here.
 */
import type { LocalCluster } from './cluster-env.ts';
import { fmt } from './stats.ts';

/** One batch as a worker logged it. */
interface Logged {
  readonly elements: number;
  readonly queuedMs: number;
  readonly takenAt: number;
  readonly computedMs: number;
  readonly storedAt: number;
}

const LINE = /batch \S+: (\d+) elements, queued (-?\d+) ms, taken at (\d+), computed in (\d+) ms, stored at (\d+)/g;

function batchesOf(output: string): Logged[] {
  return [...output.matchAll(LINE)].map((m) => ({ elements: Number(m[1]), queuedMs: Number(m[2]), takenAt: Number(m[3]), computedMs: Number(m[4]), storedAt: Number(m[5]) }));
}

/**
 * Prints, for each run (`[start, end]` in epoch ms, as the driver saw it), each worker's batches
 * and idle time: `start` before its first batch was taken, `between` batches, `tail` after its
 * last result was stored, and `overhead` (taken to stored, less the computing) per batch.
 */
export function printTimeline(local: LocalCluster, runs: ReadonlyArray<readonly [number, number]>): void {
  const logs = local.workers.map((w) => batchesOf(w.output()));
  runs.forEach(([start, end], r) => {
    console.log(`     run ${r + 1}: ${fmt(end - start)} ms`);
    logs.forEach((all, w) => {
      const mine = all.filter((b) => b.takenAt >= start && b.storedAt <= end + 5);
      if (mine.length === 0) {
        console.log(`       worker ${w + 1}: no batch (idle ${fmt(end - start)} ms)`);
        return;
      }
      let between = 0;
      let overhead = 0;
      for (let k = 0; k < mine.length; k++) {
        const b = mine[k]!;
        overhead += b.storedAt - b.takenAt - b.computedMs;
        if (k > 0) between += b.takenAt - mine[k - 1]!.storedAt;
      }
      const computed = mine.reduce((n, b) => n + b.computedMs, 0);
      console.log(
        `       worker ${w + 1}: ${mine.length} batches [${mine.map((b) => b.elements).join(' ')}] computing ${fmt(computed)} ms; idle: start ${fmt(mine[0]!.takenAt - start)} ms, ` +
          `between ${fmt(between)} ms, tail ${fmt(end - mine.at(-1)!.storedAt)} ms; per-batch overhead ${fmt(overhead)} ms; queued ${mine.map((b) => b.queuedMs).join(' ')} ms`,
      );
    });
  });
}
