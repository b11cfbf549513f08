import { IoError } from '../errors.ts';

/** Something in flight that {@link abandonPendingIo} can give up. */
interface Abandonable {
  abandon(reason: unknown): void;
}

/** Operations in flight under {@link withDeadline} or {@link abandonable}. */
const inFlight = new Set<Abandonable>();

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
  for (const op of all) op.abandon(reason);
  return all.length;
}

/**
 * Runs `work(signal)` with a signal that aborts when {@link abandonPendingIo} is called (or when
 * `outer` aborts), for operations that cancel themselves through a signal (HTTP requests).
 */
export async function abandonable<T>(outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const op: Abandonable = { abandon: (reason) => controller.abort(reason) };
  inFlight.add(op);
  try {
    return await work(outer ? AbortSignal.any([outer, controller.signal]) : controller.signal);
  } finally {
    inFlight.delete(op);
  }
}

/**
 * One operation under a deadline: settles its promise once, from the work, the timer, the
 * signal or {@link abandonPendingIo}. A class rather than closures: a warm read of a small file
 * runs this per read, and each closure made per call is a measurable part of its cost.
 */
class Pending<T> implements Abandonable {
  readonly #resolve: (value: T) => void;
  readonly #reject: (reason: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbandon: (() => void) | undefined;
  readonly #ms: number;
  readonly #what: () => string;
  readonly #path: string;
  #settled = false;

  constructor(resolve: (value: T) => void, reject: (reason: unknown) => void, ms: number, what: () => string,
    path: string, signal: AbortSignal | undefined, onAbandon: (() => void) | undefined) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#ms = ms;
    this.#what = what;
    this.#path = path;
    this.#signal = signal;
    this.#onAbandon = onAbandon;
    inFlight.add(this);
    this.#timer = setTimeout(timedOut, ms, this);
    this.#timer.unref();
    signal?.addEventListener('abort', this, { once: true });
  }

  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this);
    inFlight.delete(this);
    return true;
  }

  done(value: T): void {
    if (this.#finish()) this.#resolve(value);
  }

  failed(error: unknown): void {
    if (this.#finish()) this.#reject(error);
  }

  abandon(reason: unknown): void {
    if (!this.#finish()) return;
    this.#onAbandon?.();
    this.#reject(reason);
  }

  timeout(): void {
    this.abandon(new IoError('E_IO_TIMEOUT', `Expected ${this.#what()} to finish within ${this.#ms} ms, got no answer ` +
      '(a stalled file system, FIFO or server?)', { path: this.#path }));
  }

  /** The signal's abort (an `EventListener` object: no closure per operation). */
  handleEvent(): void {
    this.abandon(this.#signal!.reason);
  }
}

function timedOut(pending: { timeout(): void }): void {
  pending.timeout();
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
  let pending!: Pending<T>;
  const settled = new Promise<T>((resolve, reject) => {
    pending = new Pending(resolve, reject, ms, what, path, signal, onAbandon);
  });
  work.then((value) => pending.done(value), (error: unknown) => pending.failed(error));
  return settled;
}
