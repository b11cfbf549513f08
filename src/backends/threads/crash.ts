import { ElementTimeoutError, WorkerCrashError } from '../../protocol/errors.ts';
import { formatRange, type Range } from '../../protocol/range.ts';

/** What the executor knows about a batch its worker did not finish. */
export interface LostBatch {
  /** The error piscina rejected the task with. */
  readonly error: unknown;
  /** The element's range, when the worker was inside one. */
  readonly range: Range | undefined;
  /** The limit that was set, for the message. */
  readonly maxMemoryMb: number | undefined;
}

/**
 * Turns the way a worker died into a cortado error with a stable code, so that error policies can
 * match it and the runtime can split elements that ran out of memory:
 * - `E_WORKER_OOM`: the worker hit its `maxMemoryMb` heap limit (Node's `ERR_WORKER_OUT_OF_MEMORY`);
 * - `E_WORKER_EXIT`: the worker exited (a processor called `process.exit()`);
 * - `E_WORKER_CRASH`: an uncaught exception (a throw from a timer, an unhandled rejection); its
 *   `cause` is that exception, flagged `crossedThread` so policies match its class by name.
 */
export function crashError({ error, range, maxMemoryMb }: LostBatch): WorkerCrashError {
  const where = range === undefined ? 'a batch' : `element ${formatRange(range)}`;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new WorkerCrashError(
      'E_WORKER_OOM',
      `The worker thread running ${where} ran out of memory${maxMemoryMb === undefined ? '' : ` (maxMemoryMb is ${maxMemoryMb})`}; ` +
        `the pool replaced it. Smaller chunks or a larger maxMemoryMb would help.`,
      { cause: error },
    );
  }
  const exit = /worker exited with code:? (-?\d+)/i.exec(message);
  if (exit !== null) {
    return new WorkerCrashError(
      'E_WORKER_EXIT',
      `The worker thread running ${where} exited with code ${exit[1]} (did the processor call process.exit()?); the pool replaced it.`,
      { cause: error },
    );
  }
  if (error instanceof Error) Object.defineProperty(error, 'crossedThread', { value: true, configurable: true, writable: true, enumerable: false });
  return new WorkerCrashError(
    'E_WORKER_CRASH',
    `The worker thread running ${where} crashed with an uncaught exception (${describe(error)}); the pool replaced it. ` +
      `A throw from a timer or an unhandled rejection escapes the processor: await the work inside it instead.`,
    { cause: error },
  );
}

/** The error of an element that ran past `elementTimeoutMs`. */
export function timeoutError(range: Range, elementTimeoutMs: number): ElementTimeoutError {
  return new ElementTimeoutError(
    `Element ${formatRange(range)} ran past elementTimeoutMs (${elementTimeoutMs} ms); its worker thread was stopped and replaced. ` +
      `Smaller chunks or a larger elementTimeoutMs would help.`,
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
