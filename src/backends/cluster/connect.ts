import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { Completions } from './completions.ts';
import { connectionRefused, closeRedis, openRedis } from './connection.ts';
import type { RedisConnection } from './redis-options.ts';
import { verifyTls } from './tls-probe.ts';

/** A driver's connections to Redis: commands, the queue, its events. */
export interface Connections {
  readonly redis: Redis;
  readonly queue: Queue;
  readonly completions: Completions;
  /** Resolves once everything is connected; rejects with `E_CLUSTER_AUTH` when Redis refuses the credentials, `E_CLUSTER_TLS` when its certificate does not verify. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the driver's connections. Loaded on a backend's first task only, so that importing
 * cortado does not load BullMQ and ioredis. With TLS, the server certificate is checked first
 * with one handshake of its own ({@link verifyTls}): one that does not verify rejects with
 * `E_CLUSTER_TLS` before any ioredis connection exists, because ioredis listens for a socket's
 * first `error` only, and the server's alert that can follow would be an unhandled `error` event.
 */
export async function connect(connection: RedisConnection, queueName: string, prefix: string): Promise<Connections> {
  await verifyTls(connection);
  const redis = openRedis(connection);
  // BullMQ leaves connections it is given open on close(): these are closed below.
  const given = [openRedis(connection), openRedis(connection)];
  const queue = new Queue(queueName, { connection: given[0]!, prefix });
  queue.on('error', () => {});
  const events = new QueueEvents(queueName, { connection: given[1]!, prefix });
  events.on('error', () => {});
  const auth = connectionRefused(connection.url, [redis, ...given, queue, events]);
  auth.catch(() => {});
  const ready = Promise.race([Promise.all([queue.waitUntilReady(), events.waitUntilReady(), redis.ping()]).then(() => undefined), auth]);
  ready.catch(() => {});
  return {
    redis,
    queue,
    completions: new Completions(events),
    ready,
    async close() {
      await Promise.all([bounded(events.close()), bounded(queue.close())]);
      await Promise.all([redis, ...given].map((r) => closeRedis(r)));
    },
  };
}

/** BullMQ's close() can hang on a lost connection: never wait more than `ms` for it. */
async function bounded(promise: Promise<unknown>, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
