import type { WorkerInfo } from '../../actors/executor.ts';
import { serialize } from 'node:v8';
import type { BatchJob } from '../../actors/batch.ts';
import type { DataDescriptor } from '../../protocol/data.ts';
import { isProcessorRef } from '../../protocol/processor.ts';
import type { ProcessorCodes } from '../../protocol/processor-code.ts';
import type { SerializedError } from '../errors/serialize.ts';
import { NotTransferableError, closureMessage } from './errors.ts';
import { createProgress } from './progress.ts';

/** A processor as it crosses: module and export name. */
export interface WireProcessor {
  readonly module: string;
  readonly exportName: string;
  /**
   * The module's code digest (`moduleCodeDigest`) the sender computed with: a worker whose loaded
   * code differs fails the elements instead of running them (the cluster backend sets it from the
   * module's files; the threads backend from the computable's `code`).
   */
  readonly code?: string;
}

/**
 * A batch of work elements as one compact message: column arrays instead of an object per element.
 * Element `i` runs `processors[processorIndex[i]]` on its data, covers `ranges[2i]..ranges[2i+1]`
 * and belongs to `groups[groupIndex[i]]`. Its data is `values[i]` (a `ValueData` value: the fast
 * path) or `descriptors[i]` (any registered data kind), both inside the v8-serialized `data`.
 */
export interface WireBatch {
  readonly processors: readonly WireProcessor[];
  /** `null` when every element uses `processors[0]`. */
  readonly processorIndex: Uint16Array | null;
  /** `[start, stop]` per element. */
  readonly ranges: Float64Array;
  /** Distinct groups; `groupIndex[i]` is −1 for no group. `null` when no element has a group. */
  readonly groups: readonly string[];
  readonly groupIndex: Int32Array | null;
  /** `v8.serialize({ values })` or `v8.serialize({ descriptors })`. */
  readonly data: Uint8Array;
  /** Attempt of each element (1 = first try), for processors' logs and debugging. */
  readonly attempts: Uint16Array;
  /** The shared progress slot (see progress.ts). */
  readonly progress: SharedArrayBuffer;
  /** Whether to time each element. */
  readonly collectStats: boolean;
  /** Map mode: return each element's output (`WireOutcome.outputs`) instead of merging. */
  readonly map?: boolean;
}

/** The serialized data part of a {@link WireBatch}. */
export type WireData = { readonly values: unknown[] } | { readonly descriptors: DataDescriptor[] };

/** Per-element status in a {@link WireOutcome}. */
export const NOT_RUN = 0;
/** The element completed and its result is merged in. */
export const DONE = 1;
/** The element failed; see `failures`. */
export const FAILED = 2;

/** A worker's answer for a batch. */
export interface WireOutcome {
  /** Merged results per group index (−1 = no group), each as `encodeResult` made it. */
  readonly results: Array<readonly [groupIndex: number, data: unknown]>;
  /** {@link NOT_RUN}, {@link DONE} or {@link FAILED} per element. */
  readonly status: Uint8Array;
  readonly failures: Array<{ readonly index: number; readonly error: SerializedError }>;
  /** Milliseconds per element when stats were asked for. */
  readonly ms: Float64Array | null;
  /** Milliseconds the worker spent on the batch. */
  readonly busyMs: number;
  /** The worker thread and its memory when it finished (absent when no thread ran it). */
  readonly worker?: WorkerInfo;
  /** Map mode: per element, its output as `encodeResult` made it (`null` where not {@link DONE}). */
  readonly outputs?: unknown[];
}

/** A batch ready to post, the buffers to move with it, and the elements that could not be sent. */
export interface EncodedBatch {
  readonly batch: WireBatch;
  readonly transfer: ArrayBuffer[];
  readonly progress: Int32Array;
  /** Positions in `positions` (the batch's order) that were sent; others are in `rejected`. */
  readonly sent: number[];
  readonly rejected: Array<{ readonly index: number; readonly error: unknown }>;
}

/**
 * Encodes the items of `job` at `indices` as one {@link WireBatch}. Elements whose processor is a
 * closure, whose data has no descriptor or whose data does not clone are rejected (with a
 * {@link NotTransferableError}) rather than sent. Each processor carries its digest in `codes` (the
 * computable's `code`, keyed `module#export`) as its expected `code`, where there is one.
 */
export function encodeBatch(job: BatchJob, indices: readonly number[], collectStats: boolean, codes?: ProcessorCodes): EncodedBatch {
  const rejected: Array<{ index: number; error: unknown }> = [];
  const sent: number[] = [];
  const processors: WireProcessor[] = [];
  const processorSlot = new Map<string, number>();
  const groups: string[] = [];
  const groupSlot = new Map<string, number>();
  const procIdx: number[] = [];
  const groupIdx: number[] = [];
  const payload: unknown[] = [];
  let allValues = true;
  let anyGroup = false;
  let lastProcessor: unknown;
  let lastSlot = 0;

  for (const index of indices) {
    const { element } = job.items[index]!;
    const processor = element.processor;
    if (processor !== lastProcessor) {
      if (!isProcessorRef(processor)) {
        rejected.push({ index, error: new NotTransferableError(closureMessage(processor as Function)) });
        continue;
      }
      const key = `${processor.module}#${processor.exportName}`;
      let slot = processorSlot.get(key);
      if (slot === undefined) {
        slot = processors.length;
        const code = codes?.[key];
        processors.push(code === undefined ? { module: processor.module, exportName: processor.exportName } : { module: processor.module, exportName: processor.exportName, code });
        processorSlot.set(key, slot);
      }
      lastProcessor = processor;
      lastSlot = slot;
    }
    const data = element.data;
    if (typeof data.toDescriptor !== 'function') {
      rejected.push({
        index,
        error: new NotTransferableError(
          `The data of element [${element.range[0]}, ${element.range[1]}) (a ${data.constructor?.name ?? 'data element'}) has no toDescriptor(), ` +
            `so it cannot be sent to a worker thread: give it a toDescriptor() and register its kind with registerDataKind().`,
        ),
      });
      continue;
    }
    const descriptor = data.toDescriptor();
    if (descriptor.kind !== 'value') allValues = false;
    payload.push(descriptor);
    procIdx.push(lastSlot);
    const group = element.group;
    if (group === undefined) groupIdx.push(-1);
    else {
      anyGroup = true;
      let slot = groupSlot.get(group);
      if (slot === undefined) {
        slot = groups.length;
        groups.push(group);
        groupSlot.set(group, slot);
      }
      groupIdx.push(slot);
    }
    sent.push(index);
  }

  let data = serializeData(payload, allValues);
  if (data === undefined) {
    // Something does not clone: find and reject those elements, send the rest.
    const keep: number[] = [];
    for (let k = 0; k < payload.length; k++) {
      try {
        serialize(payload[k]);
        keep.push(k);
      } catch (error) {
        const element = job.items[sent[k]!]!.element;
        rejected.push({
          index: sent[k]!,
          error: new NotTransferableError(
            `The data of element [${element.range[0]}, ${element.range[1]}) cannot be sent to a worker thread: ${(error as Error).message}`,
            { cause: error },
          ),
        });
      }
    }
    const pick = <T>(list: T[]): T[] => keep.map((k) => list[k]!);
    return finish(job, pick(sent), processors, pick(procIdx), groups, anyGroup, pick(groupIdx), serializeData(pick(payload), allValues)!, rejected, collectStats);
  }
  return finish(job, sent, processors, procIdx, groups, anyGroup, groupIdx, data, rejected, collectStats);
}

function serializeData(payload: unknown[], allValues: boolean): Uint8Array | undefined {
  try {
    return serialize(allValues ? { values: payload.map((d) => (d as { value: unknown }).value) } : { descriptors: payload });
  } catch {
    return undefined;
  }
}

function finish(
  job: BatchJob,
  sent: number[],
  processors: WireProcessor[],
  procIdx: number[],
  groups: string[],
  anyGroup: boolean,
  groupIdx: number[],
  data: Uint8Array,
  rejected: Array<{ index: number; error: unknown }>,
  collectStats: boolean,
): EncodedBatch {
  const n = sent.length;
  const ranges = new Float64Array(2 * n);
  const attempts = new Uint16Array(n);
  for (let k = 0; k < n; k++) {
    const item = job.items[sent[k]!]!;
    ranges[2 * k] = item.element.range[0];
    ranges[2 * k + 1] = item.element.range[1];
    attempts[k] = Math.min(item.attempt, 0xffff);
  }
  const processorIndex = processors.length > 1 ? Uint16Array.from(procIdx) : null;
  const groupIndex = anyGroup ? Int32Array.from(groupIdx) : null;
  const progress = createProgress();
  const transfer: ArrayBuffer[] = [ranges.buffer, attempts.buffer];
  if (processorIndex) transfer.push(processorIndex.buffer);
  if (groupIndex) transfer.push(groupIndex.buffer);
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) transfer.push(data.buffer);
  const batch: WireBatch = {
    processors,
    processorIndex,
    ranges,
    groups,
    groupIndex,
    data,
    attempts,
    progress: progress.buffer as SharedArrayBuffer,
    collectStats,
    ...(job.map === true ? { map: true } : {}),
  };
  return { batch, transfer, progress, sent, rejected };
}
