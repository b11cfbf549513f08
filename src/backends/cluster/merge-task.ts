import { encodeResult } from '../codec/encode.ts';
import { loadProcessor } from '../resolve-processor.ts';
import type { MergeTask } from './merge-task-kind.ts';
import { encodeParts, mergeParts } from './parts.ts';

export { isMergeTask, type MergeTask } from './merge-task-kind.ts';

/**
 * Merges stored parts on a worker thread (a cluster worker's reduce job), so that the worker's
 * event loop stays free to renew its BullMQ locks while large histograms add up. Returns the
 * merged part, encoded as the parts were.
 */
export async function runMergeTask(task: MergeTask): Promise<Uint8Array> {
  // The codecs of user classes are registered by their modules: import them (already checked against the roots).
  for (const module of task.modules) await loadProcessor(module).catch(() => undefined);
  const merged = mergeParts(task.parts);
  const encoded: Array<readonly [string | null, unknown]> = [];
  for (const [group, value] of merged) encoded.push([group ?? null, encodeResult(value).data]);
  return encodeParts(encoded);
}
