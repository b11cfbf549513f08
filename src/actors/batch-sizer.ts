/**
 * Chooses how many elements go into the next batch: start small so the first results (and the
 * first progress) come quickly, then grow towards a batch that takes about `targetMs`, so that a
 * round trip to a lane (an xstate event, a worker message) costs little next to the work in it.
 * A tiny interface, swappable like piscina's balancer.
 */
export interface BatchSizer {
  /**
   * Elements for the next batch. `remaining`: about how many elements are left to hand out after
   * those in flight (an estimate, absent when unknown), so the last batches can be cut to end together.
   */
  next(remaining?: number): number;
  /** Reports how long a batch of `elements` took. */
  observe(elements: number, ms: number): void;
  /**
   * True while the sizer has measured nothing yet and wants one batch at a time until it has:
   * no second batch is sent while one is in flight (see `probeAlone`).
   */
  probing?(): boolean;
}

/** Options of {@link adaptiveBatchSizer}. */
export interface AdaptiveBatchOptions {
  /** Aimed-for batch duration. @defaultValue 20 */
  targetMs?: number;
  /** Smallest batch. @defaultValue 1 */
  min?: number;
  /** Largest batch. @defaultValue 65536 */
  max?: number;
  /**
   * Until the first batch reports, send one batch at a time, then go straight to the size that
   * batch measured (not 4× at a time). Where each batch costs a round trip through a queue (the
   * cluster backend), this avoids one batch of `min` elements per lane at the start, and a ramp of
   * small ones after; where batches are cheap (threads), every lane starting at once gets results soonest.
   * @defaultValue false
   */
  probeAlone?: boolean;
  /**
   * How many batches the backend's workers compute at once (`undefined` while unknown). Given
   * this and the elements remaining, no batch takes more than an equal share of what is left
   * (guided self-scheduling), down to an eighth of the measured size: near the end batches shrink,
   * so no worker sits idle at the tail while another finishes one last full-size batch.
   */
  parallelism?: () => number | undefined;
}

/** A batch sizer that grows at most 4× per batch towards `targetMs` and shrinks as fast as needed. */
export function adaptiveBatchSizer({ targetMs = 20, min = 1, max = 65_536, probeAlone = false, parallelism }: AdaptiveBatchOptions = {}): BatchSizer {
  let size = min;
  let measured = false;
  return {
    next(remaining) {
      if (!measured || remaining === undefined) return size;
      const workers = parallelism?.();
      if (workers === undefined || workers < 1) return size;
      return Math.min(size, Math.max(min, Math.ceil(size / 8), Math.ceil(remaining / workers)));
    },
    probing: () => probeAlone && !measured,
    observe(elements, ms) {
      if (elements <= 0) return;
      const perElement = ms / elements;
      const ideal = perElement > 0 ? targetMs / perElement : max;
      // A probe that ran alone goes straight to its measured size: every lane is waiting for it.
      size = Math.max(min, Math.min(max, Math.floor(ideal), probeAlone && !measured ? max : size * 4));
      measured = true;
    },
  };
}

/** A batch sizer that always proposes `size` elements. */
export function fixedBatchSizer(size: number): BatchSizer {
  return { next: () => size, observe() {} };
}
