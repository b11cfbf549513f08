/**
 * How long a cleanup, or a cancelled batch, waits for a Redis that went away before giving up: a
 * restart is waited through, a Redis that is gone is not.
 */
export const REDIS_LOST_MS = 5000;

/**
 * Resolves as `work` does, or with `undefined` once `redis` has been unreachable for `ms` on end
 * (from a lost connection to one ready again); with `signal`, only time after the signal aborted
 * counts. For Redis work that can be given up: ioredis commands wait through a reconnect for ever
 * (`maxRetriesPerRequest: null`), so a cleanup or a cancellation against a Redis that is gone
 * would otherwise never end. Loads nothing: the driver's executor imports this.
 *
 * @example
 * ```ts
 * const removed = await unlessLost(c.redis, c.queue.remove(jobId), REDIS_LOST_MS); // undefined: Redis gone
 * ```
 */
export function unlessLost<T>(redis: Watched, work: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    // Armed once, not again on each failed reconnect ('close' comes with every attempt).
    const check = () => {
      if (redis.status === 'ready') {
        clearTimeout(timer);
        timer = undefined;
      } else if (signal?.aborted !== false) {
        timer ??= setTimeout(() => finish(() => resolve(undefined)), ms);
      }
    };
    const changes = watch(redis);
    const finish = (end: () => void) => {
      clearTimeout(timer);
      changes.delete(check);
      signal?.removeEventListener('abort', check);
      end();
    };
    changes.add(check);
    signal?.addEventListener('abort', check, { once: true });
    check();
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** What {@link unlessLost} needs of a connection. */
interface Watched {
  readonly status: string;
  on(event: 'close' | 'ready', listener: () => void): unknown;
}

/** Callbacks run when a connection is lost or ready again: one pair of listeners per connection, however many wait on it. */
const watched = new WeakMap<Watched, Set<() => void>>();

function watch(redis: Watched): Set<() => void> {
  let callbacks = watched.get(redis);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    const changed = () => {
      for (const callback of set) callback();
    };
    redis.on('close', changed);
    redis.on('ready', changed);
    watched.set(redis, set);
    callbacks = set;
  }
  return callbacks;
}
