import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * One keep-alive connection pool and one request limit per host, shared by every remote file
 * of that host, so that opening many files of one server never opens more than `limit`
 * connections to it. Released when the last file using it closes (its sockets are destroyed;
 * idle kept-alive sockets never hold the process open meanwhile).
 */
export class HostPool {
  readonly agent: HttpAgent;
  readonly limit: number;
  #users = 0;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  private constructor(https: boolean, limit: number) {
    const options = { keepAlive: true, maxSockets: limit, scheduling: 'lifo' as const };
    this.agent = https ? new HttpsAgent(options) : new HttpAgent(options);
    this.limit = limit;
  }

  /** Waits for a free request slot; call the returned function when the request is over. */
  async acquire(): Promise<() => void> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#waiting.shift()?.();
    };
  }

  static #pools = new Map<string, HostPool>();

  /** The pool of `url`'s origin, created with `limit` on first use; pair with {@link release}. */
  static use(url: URL, limit: number): HostPool {
    const key = url.origin;
    let pool = HostPool.#pools.get(key);
    if (!pool) {
      pool = new HostPool(url.protocol === 'https:', limit);
      HostPool.#pools.set(key, pool);
    }
    pool.#users++;
    return pool;
  }

  /** Drops one use of `url`'s pool; the last one destroys its sockets. */
  static release(url: URL): void {
    const key = url.origin;
    const pool = HostPool.#pools.get(key);
    if (!pool || --pool.#users > 0) return;
    HostPool.#pools.delete(key);
    pool.agent.destroy();
  }
}
