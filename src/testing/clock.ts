import { SimulatedClock } from 'xstate';

/**
 * xstate's `SimulatedClock`, made easy to drive: it knows when its next timeout is due, can
 * advance straight to it, and offers an abortable `sleep()` so that scripted work "takes" its time
 * on this clock instead of the wall clock. Pass it as the `clock` compute option (backoff delays
 * are xstate delayed events and run on it) together with `now: () => clock.now()`.
 *
 * @example
 * ```ts
 * const clock = simulatedClock();
 * const done = clock.sleep(250);
 * clock.advanceToNext(); // clock.now() === 250, and `done` resolves
 * ```
 */
export class TestClock extends SimulatedClock {
  readonly #due = new Map<number, number>();

  override setTimeout(fn: (...args: any[]) => void, timeout: number): number {
    let id = -1;
    const due = this.now() + Math.max(0, timeout);
    // The base clock fires when `now - start >= timeout`; in floating point `(start + t) - start`
    // can fall short of `t`, so it gets the exact difference that setting the clock to `due` gives.
    id = super.setTimeout(() => {
      this.#due.delete(id);
      fn();
    }, due - this.now());
    this.#due.set(id, due);
    return id;
  }

  override clearTimeout(id: number): void {
    this.#due.delete(id);
    super.clearTimeout(id);
  }

  /** Timeouts waiting to fire. */
  get pending(): number {
    return this.#due.size;
  }

  /** When the next timeout is due, or `undefined` when none waits. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const due of this.#due.values()) if (next === undefined || due < next) next = due;
    return next;
  }

  /** Moves to the next due time and fires what is due then. Returns whether anything was due. */
  advanceToNext(): boolean {
    const next = this.nextDue();
    if (next === undefined) return false;
    this.set(Math.max(this.now(), next));
    return true;
  }

  /** Resolves after `ms` on this clock; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.clearTimeout(id);
        reject(signal!.reason);
      };
      const id = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A fresh {@link TestClock} at time `start` (ms). */
export function simulatedClock(start = 0): TestClock {
  const clock = new TestClock();
  if (start > 0) clock.set(start);
  return clock;
}
