/**
 * The piscina task handler of the threads backend, loaded in every worker thread through
 * worker-entry.mjs. It runs one {@link WireBatch} and moves the outcome's buffers back.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { isMergeTask, type MergeTask } from '../cluster/merge-task-kind.ts';
import { runWireBatch } from './worker-loop.ts';
import type { WireBatch } from './wire.ts';

/**
 * Runs a batch; the outcome travels with its typed-array buffers moved, not cloned. A cluster
 * worker also sends merges of stored partial results here (its reduce jobs).
 */
export default async function runTask(batch: WireBatch | MergeTask): Promise<unknown> {
  // Only a cluster worker's threads merge: the merge code (and the zod schemas that check stored
  // parts) loads on the first merge, not in every thread.
  if (isMergeTask(batch)) {
    const { runMergeTask } = await import('../cluster/merge-task.ts');
    // A copy of its own: v8's serialization may sit in a shared buffer, which cannot be moved.
    const merged = new Uint8Array(await runMergeTask(batch));
    return move({ [transferableSymbol]: [merged.buffer], [valueSymbol]: merged } as never);
  }
  const { outcome, transfer } = await runWireBatch(batch as WireBatch);
  return move({ [transferableSymbol]: transfer, [valueSymbol]: outcome } as never);
}
