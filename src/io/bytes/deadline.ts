import { IoError } from '../errors.ts';

/**
 * Settles like `work`, unless `ms` pass first (rejects with `IoError` `E_IO_TIMEOUT` saying what
 * was stuck) or `signal` aborts (rejects with its reason). `onAbandon` runs when the work is given
 * up, to release whatever it holds. The timer never keeps the process alive.
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
      return true;
    };
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
