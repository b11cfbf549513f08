import { connectionErrorText, RedisUnreachableError } from './connection.ts';
import { redactedUrl } from './redis-options.ts';

/** How often {@link watchFirstConnection} says it is still waiting (not at every reconnect: ioredis retries about every second). */
export const WAITING_LINE_MS = 10_000;

/** What {@link watchFirstConnection} needs of a connection (an ioredis connection, a BullMQ object): its errors. */
interface Erring {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** Options of {@link watchFirstConnection}. */
export interface FirstConnectionOptions {
  /** Gives up after this long: `unreachable` rejects. @defaultValue Infinity (waits for ever) */
  timeoutMs?: number;
  /**
   * Called with one line while waiting: at the first connection error (or after
   * {@link WAITING_LINE_MS} if none came), then every {@link WAITING_LINE_MS}. @defaultValue none
   */
  waiting?: (line: string) => void;
}

/** A first connection being watched; see {@link watchFirstConnection}. */
export interface FirstConnection {
  /** Rejects with {@link RedisUnreachableError} once `timeoutMs` has passed (never without it). Handled: racing it is optional. */
  readonly unreachable: Promise<never>;
  /** Redis answered, or the wait was given up: stops the timers and the listeners. Idempotent. */
  done(): void;
}

/**
 * Watches the first connection to Redis at `url` of `connections`: remembers their last error,
 * rejects `unreachable` with {@link RedisUnreachableError} (naming that error and the URL with its
 * password blanked) after `timeoutMs`, and says it is waiting with `waiting`. Only the first: once
 * the owner calls `done()` (Redis answered), a connection lost later is the owner's to wait for.
 *
 * @example
 * ```ts
 * const first = watchFirstConnection(url, [redis], { timeoutMs: 30_000, waiting: (line) => console.error(line) });
 * try {
 *   await Promise.race([redis.ping(), first.unreachable]);
 * } finally {
 *   first.done();
 * }
 * ```
 */
export function watchFirstConnection(url: string, connections: readonly Erring[], options: FirstConnectionOptions = {}): FirstConnection {
  const { timeoutMs = Number.POSITIVE_INFINITY, waiting } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const say = () => {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    waiting?.(
      `Redis at ${redactedUrl(url)} is not answering (${lastError === undefined ? 'no reply yet' : `last error: ${connectionErrorText(lastError)}`}); still trying, ` +
        (Number.isFinite(timeoutMs) ? `for up to ${left} s more` : 'with no time limit (--redis-connect-timeout <seconds> sets one)'),
    );
  };
  const noted = (error: Error) => {
    const first = lastError === undefined;
    lastError = error;
    if (first && ticker !== undefined) say();
  };
  const unreachable = new Promise<never>((_, reject) => {
    // setTimeout fires at once for Infinity (and for anything past 2^31 - 1 ms): no timer then.
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => reject(new RedisUnreachableError(url, timeoutMs, lastError)), timeoutMs);
  });
  unreachable.catch(() => {});
  if (waiting !== undefined) ticker = setInterval(say, WAITING_LINE_MS);
  for (const c of connections) c.on('error', noted);
  return {
    unreachable,
    done() {
      clearTimeout(timer);
      clearInterval(ticker);
      ticker = undefined;
      for (const c of connections) c.off('error', noted);
    },
  };
}

/**
 * The handler a worker gives its connections' `error` events once Redis has answered: one
 * `worker error: …` line per new error text (a connection error repeats at every reconnect), each
 * error named as {@link connectionErrorText} names it, so that a host tried at several addresses
 * (an `AggregateError` with an empty message) shows every address tried.
 *
 * @example
 * ```ts
 * worker.on('error', connectionErrorLines(console.error));
 * ```
 */
export function connectionErrorLines(log: (line: string) => void): (error: Error) => void {
  let last: string | undefined;
  return (error) => {
    const text = connectionErrorText(error);
    if (text !== last) log(`worker error: ${text}`);
    last = text;
  };
}
