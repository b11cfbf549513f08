/**
 * Chooses how many elements go into the next batch: start small so the first results (and the
 * first progress) come quickly, then grow towards a batch that takes about `targetMs`, so that a
 * round trip to a lane (an xstate event, a worker message) costs little next to the work in it.
 * A tiny interface, swappable like piscina's balancer.
 */
export interface BatchSizer {
  /** Elements for the next batch. */
  next(): number;
  /** Reports how long a batch of `elements` took. */
  observe(elements: number, ms: number): void;
}

/** Options of {@link adaptiveBatchSizer}. */
export interface AdaptiveBatchOptions {
  /** Aimed-for batch duration. @defaultValue 20 */
  targetMs?: number;
  /** Smallest batch. @defaultValue 1 */
  min?: number;
  /** Largest batch. @defaultValue 65536 */
  max?: number;
}

/** A batch sizer that grows at most 4× per batch towards `targetMs` and shrinks as fast as needed. */
export function adaptiveBatchSizer({ targetMs = 20, min = 1, max = 65_536 }: AdaptiveBatchOptions = {}): BatchSizer {
  let size = min;
  return {
    next: () => size,
    observe(elements, ms) {
      if (elements <= 0) return;
      const perElement = ms / elements;
      const ideal = perElement > 0 ? targetMs / perElement : max;
      size = Math.max(min, Math.min(max, Math.floor(ideal), size * 4));
    },
  };
}

/** A batch sizer that always proposes `size` elements. */
export function fixedBatchSizer(size: number): BatchSizer {
  return { next: () => size, observe() {} };
}
