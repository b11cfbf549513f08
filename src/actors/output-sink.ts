import type { Range } from '../protocol/range.ts';

/** One element's output from `backend.map()`: the processor's return value, with where it came from. */
export interface MapOutput<R = unknown> {
  /** What the processor returned for this element. */
  readonly value: R;
  /** The element's range in the computable's index space. */
  readonly range: Range;
  /** The element's group (dataset), for grouped computables. */
  readonly group?: string;
}

/**
 * Where a map-mode supervisor sends element outputs instead of to reducers. While it is `full()`
 * the supervisor dispatches nothing new (back-pressure); it asks again on `SINK.DRAINED`.
 */
export interface OutputSink {
  /** Outputs buffered before dispatch pauses; also the largest batch sent in map mode. */
  readonly highWaterMark: number;
  /** Whether dispatch should pause. */
  full(): boolean;
  /** Takes the outputs of one batch, in element order. */
  push(outputs: readonly MapOutput[]): void;
}
