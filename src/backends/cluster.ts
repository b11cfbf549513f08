/** The cluster backend: batches through BullMQ on Redis to `cortado worker` processes. */
export { cluster } from './cluster/backend.ts';
export type { ClusterOptions } from './cluster/options.ts';
export type { RedisConnection } from './cluster/connection.ts';
export { startClusterWorker, type ClusterWorker, type ClusterWorkerOptions } from './cluster/worker.ts';
export { ProcessorNotAllowedError } from './cluster/roots.ts';
export { ClusterPayloadError, ClusterSizeError } from './cluster/payload.ts';
export { ClusterJobError } from './cluster/executor.ts';
export type { LiveWorker } from '../actors/executor.ts';
