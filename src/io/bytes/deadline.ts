import { IoError } from '../errors.ts';

/** Operations in flight under {@link withDeadline}, by the function that gives each up. */
const inFlight = new Set<(reason: unknown) => void>();

/**
 * Gives up every byte-source operation in flight (each rejects with `reason`, and stuck FIFO opens
 * are released): what a program does on Ctrl-C so that a read stuck in the kernel cannot keep it
 * from stopping. Later operations run as usual. Returns how many were given up.
 *
 * @example
 * ```ts
 * process.once('SIGINT', () => abandonPendingIo(new Error('interrupted')));
 * ```
 */
export function abandonPendingIo(reason: unknown): number {
  const all = [...inFlight];
  for (const abandon of all) abandon(reason);
  return all.length;
}

/**
 * Runs `work(signal)` with a signal that aborts when {@link abandonPendingIo} is called (or when
 * `outer` aborts), for operations that cancel themselves through a signal (HTTP requests).
 */
export async function abandonable<T>(outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abandon = (reason: unknown): void => controller.abort(reason);
  inFlight.add(abandon);
  try {
    return await work(outer ? AbortSignal.any([outer, controller.signal]) : controller.signal);
  } finally {
    inFlight.delete(abandon);
  }
}

/**
 * Settles like `work`, unless `ms` pass first (rejects with `IoError` `E_IO_TIMEOUT` saying what
 * was stuck) or `signal` aborts (rejects with its reason). `onAbandon` runs when the work is given
 * up (timeout, abort, {@link abandonPendingIo}), to release whatever it holds. The timer never
 * keeps the process alive.
 *
 * @example
 * ```ts
 * const bytes = await withDeadline(readAt(fd, 0, 4), 5000, () => `reading ${path}`, path);
 * ```
 */
export function withDeadline<T>(
  work: Promise<T>, ms: number, what: () => string, path: string,
  signal?: AbortSignal, onAbandon?: () => void,
): Promise<T> {
  if (signal?.aborted) {
    onAbandon?.();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      inFlight.delete(onAbandonAll);
      return true;
    };
    const onAbandonAll = (reason: unknown): void => {
      if (!finish()) return;
      onAbandon?.();
      reject(reason);
    };
    inFlight.add(onAbandonAll);
    const timer = setTimeout(() => {
      if (!finish()) return;
      onAbandon?.();
      reject(new IoError('E_IO_TIMEOUT', `Expected ${what()} to finish within ${ms} ms, got no answer (a stalled ` +
        'file system, FIFO or server?)', { path }));
    }, ms);
    timer.unref();
    const onAbort = (): void => {
      if (!finish()) return;
      onAbandon?.();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => { if (finish()) resolve(value); },
      (error: unknown) => { if (finish()) reject(error); },
    );
  });
}
