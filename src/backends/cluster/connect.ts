import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { Completions } from './completions.ts';
import { connectionRefused, closeRedis, openRedis, trackDuplicates } from './connection.ts';
import { watchFirstConnection } from './first-connection.ts';
import type { RedisConnection } from './redis-options.ts';
import { verifyTls } from './tls-probe.ts';

/** A driver's connections to Redis: commands, the queue, its events. */
export interface Connections {
  readonly redis: Redis;
  readonly queue: Queue;
  readonly completions: Completions;
  /**
   * Resolves once everything is connected; rejects with `E_CLUSTER_AUTH` when Redis refuses the
   * credentials, `E_CLUSTER_TLS` when its certificate does not verify, and `E_CLUSTER_UNREACHABLE`
   * when Redis has not answered within `connectTimeoutMs` (the connections are then closed: they
   * stop reconnecting).
   */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the driver's connections. Loaded on a backend's first task only, so that importing
 * cortado does not load BullMQ and ioredis. With TLS, the server certificate is checked first
 * with one handshake of its own ({@link verifyTls}): one that does not verify rejects with
 * `E_CLUSTER_TLS` before any ioredis connection exists, because ioredis listens for a socket's
 * first `error` only, and the server's alert that can follow would be an unhandled `error` event.
 * Only the first connection is bounded by `connectTimeoutMs`: once Redis has answered, a
 * connection lost later is waited for (a Redis restart must not end the run).
 */
export async function connect(connection: RedisConnection, queueName: string, prefix: string, connectTimeoutMs = 30_000): Promise<Connections> {
  await verifyTls(connection);
  const redis = openRedis(connection);
  // BullMQ leaves connections it is given open on close(): these are closed below. QueueEvents
  // reads on a duplicate of its own, which BullMQ's close() waits for (forever if Redis never
  // answered): the duplicates are closed here too.
  const duplicates: Redis[] = [];
  const given = [openRedis(connection), trackDuplicates(openRedis(connection), duplicates)];
  const all = () => [redis, ...given, ...duplicates];
  const queue = new Queue(queueName, { connection: given[0]!, prefix });
  queue.on('error', () => {});
  const events = new QueueEvents(queueName, { connection: given[1]!, prefix });
  events.on('error', () => {});
  const auth = connectionRefused(connection.url, [redis, ...given, queue, events]);
  auth.catch(() => {});
  let answered = false;
  const first = watchFirstConnection(connection.url, [redis], { timeoutMs: connectTimeoutMs });
  const ready = Promise.race([Promise.all([queue.waitUntilReady(), events.waitUntilReady(), redis.ping()]).then(() => void (answered = true)), auth, first.unreachable]);
  // Given up on: nothing reconnects any more (the queue's and the events' loops end with their connections).
  ready.then(first.done, () => {
    first.done();
    disconnectAll(all());
  });
  return {
    redis,
    queue,
    completions: new Completions(events),
    ready,
    async close() {
      first.done();
      if (!answered || redis.status !== 'ready') {
        // Never answered, or gone: nothing to say goodbye to. BullMQ's close() waits for its
        // connections to connect, so it is not awaited: it only stops the queue's and the events' loops.
        disconnectAll(all());
        for (const bull of [events, queue]) bull.close().catch(() => undefined);
        return;
      }
      await Promise.all([bounded(events.close()), bounded(queue.close())]);
      await Promise.all(all().map((r) => closeRedis(r)));
    },
  };
}

/** Drops every connection at once: no QUIT, no reconnect. */
function disconnectAll(connections: readonly Redis[]): void {
  for (const r of connections) r.disconnect();
}

/** BullMQ's close() can hang on a lost connection: never wait more than `ms` for it. */
async function bounded(promise: Promise<unknown>, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
