import { getHeapStatistics, deserialize } from 'node:v8';
import { threadId } from 'node:worker_threads';
import type { WorkerInfo } from '../../actors/executor.ts';
import type { ProcessorFn } from '../../protocol/processor.ts';
import type { Range } from '../../protocol/range.ts';
import { isThenable } from '../../actors/batch.ts';
import { GroupMerger, badResult } from '../../actors/group-merger.ts';
import { encodeResult } from '../codec/encode.ts';
import { serializeError } from '../errors/serialize.ts';
import { assertLoadedCode, loadProcessor, loadedCode } from '../resolve-processor.ts';
import { loadDataElement, tryDataElement } from './known-kinds.ts';
import { CANCEL, CURRENT, FINISHED, WORKER } from './progress.ts';
import { DONE, FAILED, type WireBatch, type WireData, type WireOutcome, type WireProcessor } from './wire.ts';

const functions = new Map<string, ProcessorFn<unknown, unknown>>();

async function processorFn(ref: WireProcessor): Promise<ProcessorFn<unknown, unknown>> {
  const key = `${ref.module}#${ref.exportName}`;
  let fn = functions.get(key);
  if (fn === undefined) {
    fn = await loadProcessor(ref);
    functions.set(key, fn);
  }
  if (ref.code !== undefined) await checkCode(ref, ref.code);
  return fn;
}

/** Refuses a processor whose code, as this thread imported it, is not the code the batch was sent for. */
async function checkCode(ref: WireProcessor, expected: string): Promise<void> {
  assertLoadedCode(ref.module, expected, await loadedCode(ref.module));
}

/**
 * Runs a {@link WireBatch} in a worker thread: element after element, merging results per group
 * as it goes, exactly as the inline backend's `runBatch` does (a throw or a result that cannot
 * merge fails that element and the batch goes on). Before each element it records its position
 * in the shared progress slot and checks the cancel flag; nothing else crosses until the end.
 * Returns the outcome and the buffers to move back with it.
 */
export async function runWireBatch(batch: WireBatch): Promise<{ outcome: WireOutcome; transfer: ArrayBuffer[] }> {
  const began = performance.now();
  const progress = new Int32Array(batch.progress);
  Atomics.store(progress, WORKER, threadId);
  const { ranges, groupIndex, processorIndex } = batch;
  const n = ranges.length / 2;
  const status = new Uint8Array(n);
  const ms = batch.collectStats ? new Float64Array(n).fill(Number.NaN) : null;
  const failures: Array<{ index: number; error: ReturnType<typeof serializeError> }> = [];
  const merger = new GroupMerger<number>();
  const fns: Array<ProcessorFn<unknown, unknown> | undefined> = [];
  const data = deserialize(batch.data) as WireData;
  const values = 'values' in data ? data.values : undefined;
  const descriptors = 'descriptors' in data ? data.descriptors : undefined;
  const outputs: unknown[] | undefined = batch.map === true ? new Array<unknown>(n).fill(null) : undefined;

  // The batch's processor modules are loaded (compiled, in a fresh thread) before the first
  // element's clock starts: elementTimeoutMs limits elements, not the thread's first imports. A
  // module that fails to load fails the elements that use it.
  const loadErrors: unknown[] = [];
  for (const [p, ref] of batch.processors.entries()) {
    try {
      fns[p] = await processorFn(ref);
    } catch (error) {
      loadErrors[p] = error;
    }
  }
  for (let i = 0; i < n; i++) {
    if (Atomics.load(progress, CANCEL) !== 0) break;
    Atomics.store(progress, CURRENT, i + 1);
    const started = ms === null ? 0 : performance.now();
    try {
      const p = processorIndex === null ? 0 : processorIndex[i]!;
      const fn = fns[p];
      if (fn === undefined) throw loadErrors[p];
      let input: unknown;
      if (values !== undefined) input = values[i];
      else {
        const descriptor = descriptors![i]!;
        const element = tryDataElement(descriptor) ?? (await loadDataElement(descriptor));
        input = element.load();
        if (isThenable(input)) input = await input;
      }
      let value = fn(input);
      if (isThenable(value)) value = await value;
      if (outputs !== undefined) outputs[i] = value;
      else merger.add(groupIndex === null ? -1 : groupIndex[i]!, value, rangeAt(ranges, i));
      status[i] = DONE;
    } catch (error) {
      status[i] = FAILED;
      failures.push({ index: i, error: serializeError(error) });
    }
    if (ms !== null) ms[i] = performance.now() - started;
  }
  Atomics.store(progress, CURRENT, FINISHED);
  const done = encodeOutcome(merger.results, status, failures, ms, groupIndex, ranges, performance.now() - began);
  if (outputs !== undefined) encodeOutputs(outputs, status, failures, ranges, done);
  return done;
}

/** Map mode: encodes each element's output on its own, so one that cannot cross fails only its element. */
function encodeOutputs(
  outputs: unknown[],
  status: Uint8Array,
  failures: Array<{ index: number; error: ReturnType<typeof serializeError> }>,
  ranges: Float64Array,
  done: { outcome: WireOutcome; transfer: ArrayBuffer[] },
): void {
  const transfer = new Set(done.transfer);
  for (let i = 0; i < outputs.length; i++) {
    if (status[i] !== DONE) continue;
    try {
      const { data, transfer: buffers } = encodeResult(outputs[i]);
      outputs[i] = data;
      for (const buffer of buffers) transfer.add(buffer);
    } catch (error) {
      outputs[i] = null;
      status[i] = FAILED;
      failures.push({ index: i, error: serializeError(badResult(error, rangeAt(ranges, i))) });
    }
  }
  done.outcome = { ...done.outcome, outputs };
  done.transfer = [...transfer];
}

function encodeOutcome(
  results: Map<number, unknown>,
  status: Uint8Array,
  failures: Array<{ index: number; error: ReturnType<typeof serializeError> }>,
  ms: Float64Array | null,
  groupIndex: Int32Array | null,
  ranges: Float64Array,
  busyMs: number,
): { outcome: WireOutcome; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>([status.buffer as ArrayBuffer]);
  if (ms !== null) transfer.add(ms.buffer as ArrayBuffer);
  const encoded: Array<readonly [number, unknown]> = [];
  for (const [group, value] of results) {
    try {
      const { data, transfer: buffers } = encodeResult(value);
      encoded.push([group, data]);
      for (const buffer of buffers) transfer.add(buffer);
    } catch (error) {
      // The merged result of this group cannot cross: every element that went into it fails.
      for (let i = 0; i < status.length; i++) {
        if (status[i] === DONE && (groupIndex === null ? -1 : groupIndex[i]) === group) {
          status[i] = FAILED;
          failures.push({ index: i, error: serializeError(badResult(error, rangeAt(ranges, i))) });
        }
      }
    }
  }
  return { outcome: { results: encoded, status, failures, ms, busyMs, worker: workerInfo() }, transfer: [...transfer] };
}

function rangeAt(ranges: Float64Array, i: number): Range {
  return [ranges[2 * i]!, ranges[2 * i + 1]!];
}

/** This worker and its memory: RSS is the whole process's (threads share it), the heap is this thread's. */
function workerInfo(): WorkerInfo {
  const heap = getHeapStatistics();
  return { id: `thread-${threadId}`, rss: process.memoryUsage.rss(), heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size };
}
