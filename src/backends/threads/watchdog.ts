import { readProgress } from './progress.ts';

/**
 * Watches a batch's progress slot and calls `onTimeout(position)` once when one element has been
 * running for `timeoutMs`. It samples the slot (every quarter of the limit, at most every second),
 * so the worker pays nothing for it; an element is stopped between `timeoutMs` and `1.25 × timeoutMs`
 * after it started. Time spent queued before the worker starts the batch does not count.
 */
export function watchElements(progress: Int32Array, timeoutMs: number, onTimeout: (position: number) => void, now: () => number = () => performance.now()): () => void {
  let position = -1;
  let since = 0;
  const period = Math.max(1, Math.min(1000, Math.floor(timeoutMs / 4)));
  const timer = setInterval(() => {
    const state = readProgress(progress);
    if (state.state !== 'running') {
      position = -1;
      return;
    }
    const t = now();
    if (state.position !== position) {
      position = state.position;
      // The element started at most one period ago.
      since = t - period / 2;
      return;
    }
    if (t - since >= timeoutMs) {
      clearInterval(timer);
      onTimeout(position);
    }
  }, period);
  timer.unref();
  return () => clearInterval(timer);
}
