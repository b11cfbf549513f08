import type { Piscina } from 'piscina';
import type { BatchJob, BatchOutcome } from '../../actors/batch.ts';
import type { Executor } from '../../actors/executor.ts';
import type { ProcessorCodes } from '../../protocol/processor-code.ts';
import type { Range } from '../../protocol/range.ts';
import { crashError, timeoutError } from './crash.ts';
import { OutcomeBuilder } from './outcome.ts';
import { CANCEL, readProgress, runningThread, type ProgressState } from './progress.ts';
import { watchElements } from './watchdog.ts';
import { encodeBatch, type WireOutcome } from './wire.ts';

/** How long a cancelled batch may take to stop between elements before its worker is stopped. */
const CANCEL_GRACE_MS = 250;
/** Losses of a batch that no element can be blamed for, before all its elements are charged. */
const MAX_UNEXPLAINED_LOSSES = 2;

/** Settings of a {@link threadsExecutor}. */
export interface ThreadsExecutorSettings {
  readonly pool: Piscina;
  /** Lanes: workers × batches in flight per worker. */
  readonly slots: number;
  readonly collectStats: boolean;
  readonly elementTimeoutMs: number | undefined;
  readonly maxMemoryMb: number | undefined;
  /**
   * The computable's code digests (`Computable.code`): sent with each batch, so a thread that
   * imported other code (one that replaced a crashed thread after the module was edited) fails the
   * elements with E_PROCESSOR_CODE_CHANGED instead of mixing results of two codes.
   */
  readonly codes?: ProcessorCodes | undefined;
}

type Round =
  | { readonly kind: 'done'; readonly outcome: WireOutcome; readonly sent: number[]; readonly groups: readonly string[] }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'lost'; readonly error: unknown; readonly at: ProgressState; readonly sent: number[] };

/**
 * The executor of the threads backend: each batch goes to the pool as one compact message. When
 * the worker dies (exit, uncaught exception, out of memory) or an element runs past its time
 * limit, only the element it was running fails; the others of the batch run again on a fresh
 * worker, so one bad element costs one attempt and nothing else.
 */
export function threadsExecutor(settings: ThreadsExecutorSettings): Executor {
  // The progress slot of each batch's current round: its worker writes its thread id there on taking it.
  const inFlight = new Map<number, Int32Array>();
  return {
    name: 'threads',
    slots: settings.slots,
    collectStats: settings.collectStats,
    runBatch: (job, signal) => runBatchOnPool(settings, job, signal, inFlight),
    runningOn: (jobId) => {
      const progress = inFlight.get(jobId);
      return progress === undefined ? undefined : runningThread(progress);
    },
  };
}

async function runBatchOnPool(settings: ThreadsExecutorSettings, job: BatchJob, signal: AbortSignal, inFlight: Map<number, Int32Array>): Promise<BatchOutcome> {
  try {
    return await runRounds(settings, job, signal, inFlight);
  } finally {
    inFlight.delete(job.id);
  }
}

async function runRounds(settings: ThreadsExecutorSettings, job: BatchJob, signal: AbortSignal, inFlight: Map<number, Int32Array>): Promise<BatchOutcome> {
  const builder = new OutcomeBuilder(job, settings.collectStats);
  let pending = job.items.map((_, i) => i);
  // A loss that no element can be blamed for (the worker died before starting the batch, or after
  // finishing it) runs the same elements again a few times, then charges all of them.
  let unexplained = 0;
  while (pending.length > 0 && !signal.aborted) {
    const round = await runRound(settings, job, pending, signal, builder, inFlight);
    if (round.kind === 'done') {
      builder.absorb(round.sent, round.groups, round.outcome);
      break;
    }
    if (round.kind === 'aborted') break;
    const { at, sent } = round;
    if (at.state === 'running') {
      const culprit = sent[at.position]!;
      const range = job.items[culprit]!.element.range;
      builder.fail(culprit, lostError(settings, round.error, range));
      pending = sent.filter((index) => index !== culprit);
      unexplained = 0;
    } else if (++unexplained > MAX_UNEXPLAINED_LOSSES) {
      for (const index of sent) builder.fail(index, lostError(settings, round.error, undefined));
      break;
    } else {
      pending = sent;
    }
  }
  return builder.build();
}

/** Sends the items at `indices` as one wire batch and waits for the worker. */
async function runRound(
  settings: ThreadsExecutorSettings,
  job: BatchJob,
  indices: number[],
  signal: AbortSignal,
  builder: OutcomeBuilder,
  inFlight: Map<number, Int32Array>,
): Promise<Round> {
  const { batch, transfer, progress, sent, rejected } = encodeBatch(job, indices, settings.collectStats, settings.codes);
  for (const { index, error } of rejected) builder.fail(index, error);
  if (sent.length === 0) return { kind: 'aborted' };
  inFlight.set(job.id, progress);
  const controller = new AbortController();
  let timedOut: number | undefined;
  let grace: NodeJS.Timeout | undefined;
  const stopWatch =
    settings.elementTimeoutMs === undefined
      ? undefined
      : watchElements(progress, settings.elementTimeoutMs, (position) => {
          timedOut = position;
          controller.abort(new Error('element timeout'));
        });
  const onAbort = (): void => {
    // Ask the worker to stop between elements and return what it has; stop the worker if it does not.
    Atomics.store(progress, CANCEL, 1);
    if (readProgress(progress).state === 'not-started') controller.abort(signal.reason);
    else grace = setTimeout(() => controller.abort(signal.reason), CANCEL_GRACE_MS).unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const outcome = (await settings.pool.run(batch, { transferList: transfer as never, signal: controller.signal })) as WireOutcome;
    return { kind: 'done', outcome, sent, groups: batch.groups };
  } catch (error) {
    if (timedOut !== undefined) return { kind: 'lost', error: { timedOut }, at: { state: 'running', position: timedOut }, sent };
    if (signal.aborted) return { kind: 'aborted' };
    return { kind: 'lost', error, at: readProgress(progress), sent };
  } finally {
    stopWatch?.();
    if (grace !== undefined) clearTimeout(grace);
    signal.removeEventListener('abort', onAbort);
  }
}

function lostError(settings: ThreadsExecutorSettings, error: unknown, range: Range | undefined): unknown {
  if (typeof error === 'object' && error !== null && 'timedOut' in error && range !== undefined) return timeoutError(range, settings.elementTimeoutMs!);
  return crashError({ error, range, maxMemoryMb: settings.maxMemoryMb });
}
