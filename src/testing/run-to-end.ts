import { setImmediate as turn } from 'node:timers/promises';
import type { Task } from '../actors/task.ts';
import type { PartialResult } from '../protocol/task.ts';
import type { TestClock } from './clock.ts';

/** Options of {@link runToEnd}. */
export interface RunToEndOptions {
  /**
   * Event-loop turns to wait, with nothing due on the clock, for work outside the clock (real
   * I/O) before giving up. @defaultValue 1000
   */
  idleTurns?: number;
  /** Clock advances before giving up. @defaultValue 1_000_000 */
  maxSteps?: number;
}

/** The task did not end, and nothing was due on the simulated clock to move it on. */
export class TaskStalledError extends Error {
  override readonly name = 'TaskStalledError';
  readonly code = 'E_TASK_STALLED';
}

/**
 * Drives a task on a simulated clock to its end: lets promises settle, then moves the clock to the
 * next due timeout (an element finishing, a backoff delay), and again, until the task ends.
 * Resolves with its partial result (`complete`, `incomplete` or `cancelled`). Throws
 * {@link TaskStalledError} when the task waits on nothing the clock can move.
 *
 * @example
 * ```ts
 * const partial = await runToEnd(backend.compute(computable), clock);
 * ```
 */
export async function runToEnd<R>(task: Task<R>, clock: TestClock, options: RunToEndOptions = {}): Promise<PartialResult<R>> {
  const idleTurns = options.idleTurns ?? 1000;
  const maxSteps = options.maxSteps ?? 1_000_000;
  let idle = 0;
  for (let steps = 0; ; ) {
    await turn();
    if (task.done) return task.wait();
    if (clock.advanceToNext()) {
      idle = 0;
      if (++steps > maxSteps) throw new TaskStalledError(`The task is still ${task.status} after ${maxSteps} clock advances (now ${clock.now()} ms)`);
    } else if (++idle > idleTurns) {
      throw new TaskStalledError(
        `The task is still ${task.status} at ${clock.now()} ms, but nothing is due on the simulated clock and nothing moved in ${idleTurns} event-loop turns`,
      );
    }
  }
}
