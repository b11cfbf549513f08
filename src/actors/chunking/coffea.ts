import type { ElementStats } from '../batch.ts';
import type { ChunkSizer } from '../chunk-sizer.ts';
import { leastSquares } from './fit.ts';

/** Options of {@link coffeaChunks}. */
export interface CoffeaChunkOptions {
  /** How long one element should take, in seconds. */
  targetChunkSeconds: number;
  /** Size until two elements have completed. @defaultValue 1024 */
  initial?: number;
  /** Random source for the 10% of proposals that are halved. @defaultValue Math.random */
  random?: () => number;
}

/**
 * The chunk sizing of coffea's Work Queue executor (`_compute_chunksize` in
 * `coffea/processor/work_queue_tools.py`), kept as a baseline to compare {@link adaptiveChunks}
 * against: events per second of every completed element, those below the 25th percentile
 * dropped, a least-squares line `entries = slope · seconds + intercept` (falling back to the median
 * rate when the slope is negative or the intercept positive), evaluated at the target, rounded
 * down to a power of two, and halved one time in ten to explore. One model for the whole task.
 *
 * Coffea divides by `max(1, seconds)`, which assumes elements of many seconds; this port divides by
 * the time itself so that short targets compare fairly.
 *
 * @example
 * ```ts
 * backend.compute(computable, { chunkSizer: coffeaChunks({ targetChunkSeconds: 60 }) });
 * ```
 */
export function coffeaChunks({ targetChunkSeconds, initial = 1024, random = Math.random }: CoffeaChunkOptions): ChunkSizer {
  const reports: Array<{ entries: number; seconds: number }> = [];
  return {
    propose() {
      let size = initial;
      if (reports.length > 1) size = sizeFor(targetChunkSeconds, reports);
      size = floorToPow2(size);
      return random() < 0.1 ? Math.max(1, size / 2) : size;
    },
    observe(stats: readonly ElementStats[]) {
      for (const s of stats) if (s.entries > 0 && s.ms > 0) reports.push({ entries: s.entries, seconds: s.ms / 1000 });
    },
  };
}

function sizeFor(target: number, reports: ReadonlyArray<{ entries: number; seconds: number }>): number {
  const rates = reports.map((r) => r.entries / r.seconds);
  const sorted = [...rates].sort((a, b) => a - b);
  // numpy.quantile(..., interpolation="nearest")
  const nearest = (q: number) => sorted[Math.round(q * (sorted.length - 1))]!;
  const q25 = nearest(0.25);
  const kept = reports.filter((_, i) => rates[i]! >= q25);
  const line = leastSquares(
    kept.map((r) => r.seconds),
    kept.map((r) => r.entries),
  );
  let slope = line?.slope;
  let intercept = line?.intercept ?? 0;
  if (slope === undefined || !Number.isFinite(slope) || slope < 0 || intercept > 0) {
    slope = nearest(0.5);
    intercept = 0;
  }
  return slope * target + intercept;
}

function floorToPow2(value: number): number {
  return value >= 1 ? 2 ** Math.floor(Math.log2(value)) : 1;
}
