/**
 * A batch's shared progress slot: a tiny `SharedArrayBuffer` that the worker writes as it goes and
 * the main thread reads without a message. Writing it costs nanoseconds per element, which is what
 * lets the backend find the element that crashed or hung a worker without streaming messages.
 *
 * - `CURRENT`: 0 = not started; `i + 1` = running element `i` of the batch; `FINISHED` = loop done.
 * - `CANCEL`: set to 1 by the main thread; the worker stops before its next element.
 * - `WORKER`: 0 until a worker thread takes the batch, then that thread's `threadId` (so the
 *   dashboard can draw a batch in flight on the row of the worker that runs it).
 */
export const CURRENT = 0;
/** Index of the cancel flag. */
export const CANCEL = 1;
/** Index of the id of the thread running the batch (0 before one takes it). */
export const WORKER = 2;
/** `CURRENT` once the worker has run every element. */
export const FINISHED = -1;

/** A fresh progress slot. */
export function createProgress(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
}

/** Where the worker stands in a batch. */
export type ProgressState = { state: 'not-started' } | { state: 'running'; position: number } | { state: 'finished' };

/** Reads the slot. */
export function readProgress(progress: Int32Array): ProgressState {
  const current = Atomics.load(progress, CURRENT);
  if (current === 0) return { state: 'not-started' };
  if (current === FINISHED) return { state: 'finished' };
  return { state: 'running', position: current - 1 };
}

/** The thread that took the batch, as the dashboard names workers (`thread-3`), or `undefined` before one did. */
export function runningThread(progress: Int32Array): string | undefined {
  const id = Atomics.load(progress, WORKER);
  return id === 0 ? undefined : `thread-${id}`;
}
