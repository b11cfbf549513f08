// Cluster consumer: cluster() from the installed package. `node cluster.js missing` (BullMQ and
// ioredis, optional peers, not installed): the task must end with E_CLUSTER_DEPENDENCY naming the
// install command. `node cluster.js installed redis://…` (after `npm install bullmq ioredis`, with a
// redis-server and a `cortado worker` running): the same computation must give its result.
import assert from 'node:assert/strict';
import { ClusterDependencyError, cluster, fromFunction } from 'cortado';
import { square } from './processor.js';

const [mode, url = 'redis://127.0.0.1:1'] = process.argv.slice(2);
const inputs = [1, 2, 3, 4];
// A worker that never takes the batches would leave the task waiting: end with a message instead.
setTimeout(() => {
  console.error(`cluster consumer (${mode}): no result after 120 s`);
  process.exit(1);
}, 120_000).unref();

async function withoutPeers(backend) {
  const error = await backend.compute(fromFunction(square, inputs)).result().then(() => undefined, (e) => e);
  assert.ok(error, 'cluster() computed without bullmq and ioredis installed');
  const cause = error.cause ?? error;
  assert.ok(cause instanceof ClusterDependencyError, `expected a ClusterDependencyError, got ${cause?.name}: ${cause?.message}`);
  assert.equal(cause.code, 'E_CLUSTER_DEPENDENCY');
  assert.match(cause.message, /`npm install bullmq ioredis`/);
  console.log(`without bullmq and ioredis, cluster() fails with: ${cause.code} ${cause.message}`);
}

async function withPeers(backend) {
  const result = await backend.compute(fromFunction(square, inputs)).result();
  assert.equal(result, 30);
  const workers = await backend.workers();
  assert.ok(workers.length >= 1, 'no cortado worker heartbeat');
  console.log(`with bullmq and ioredis installed, cluster() gave ${result} through ${workers.length} cortado worker(s)`);
}

// Node 20 has no `await using` in plain JavaScript.
const backend = cluster({ redis: url });
try {
  await (mode === 'missing' ? withoutPeers(backend) : withPeers(backend));
} finally {
  await backend.dispose();
}
