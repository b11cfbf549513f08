import type { Checkpoint, CheckpointState } from '../protocol/checkpoint.ts';
import type { Computable, StepGenerator } from '../protocol/computable.ts';
import { decide, isExhaustion, type ErrorPolicy } from '../protocol/policy.ts';
import { BadResultError } from '../protocol/errors.ts';
import { RangeSet, formatRange, subtractRanges, type Range } from '../protocol/range.ts';
import type { Failure, Progress, TaskStatus } from '../protocol/task.ts';
import type { BatchItem, BatchJob, BatchOutcome } from './batch.ts';
import type { BatchSizer } from './batch-sizer.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
import type { MapOutput, OutputSink } from './output-sink.ts';
import { ResultShapes } from './result-shape.ts';
import { Splitter } from './splitting.ts';

/** Elements whose entries give the size of the ones still to come (see `#remainingEstimate`). */
const RECENT = 32;

/** Halvings tried on an element that runs out of memory or time before the policy applies to it. */
export const DEFAULT_SPLIT_DEPTH = 3;

/** A retry the policy asked for: run `item` again after `delayMs`. */
export interface RetryRequest {
  readonly item: BatchItem;
  readonly delayMs: number;
}

/** What the supervisor learned from one batch. */
export interface Absorbed {
  readonly retries: RetryRequest[];
  /** Results to hand to reducers, per group. */
  readonly results: Map<string | undefined, unknown>;
  /** Ranges the batch completed (its refused elements taken out). */
  readonly completed: readonly Range[];
  /** Map mode: each completed element's output, in element order. */
  readonly outputs?: readonly MapOutput[];
}

/** Settings of a run. */
export interface RunSettings {
  readonly computable: Computable;
  readonly policy: ErrorPolicy;
  readonly batchSizer: BatchSizer;
  readonly chunkSizer?: ChunkSizer | undefined;
  readonly random: () => number;
  readonly now: () => number;
  /** Where accepted batches are recorded (durable runs). */
  readonly checkpoint?: Checkpoint | undefined;
  /** Work the computable says is missing from the start (files left out of preparation). */
  readonly skipped?: readonly Failure[] | undefined;
  /** What an earlier run recorded: counts as completed from the start. */
  readonly restored?: CheckpointState | undefined;
  /** Halvings tried on an element that runs out of memory or time before the policy applies. @defaultValue 3 */
  readonly splitDepth?: number | undefined;
  /** Map mode (`backend.map()`): element outputs go here, not to reducers, and batches stay under its high-water mark. */
  readonly sink?: OutputSink | undefined;
}

/**
 * The supervisor's bookkeeping, as plain data: no actor per element. Elements waiting for a lane,
 * retries due, completed ranges, failures and counters. The supervisor machine owns one and
 * changes it only in its actions.
 */
export class RunState {
  readonly settings: RunSettings;
  readonly completed = new RangeSet();
  readonly failures: Failure[] = [];
  /** Type skeletons of the results accepted per group: a partial that cannot merge is refused before it counts. */
  readonly shapes = new ResultShapes();
  /** Retries whose delay has passed. */
  readonly ready: BatchItem[] = [];
  scheduledRetries = 0;
  inFlight = 0;
  exhausted = false;
  fatal: { error: unknown } | undefined;
  cancelReason: unknown;
  elementsDone = 0;
  elementsKnown = 0;
  entriesDone = 0;
  retries = 0;
  splits = 0;
  readonly startedAt: number;
  /** Entries an earlier run completed (restored from a checkpoint). */
  readonly entriesDoneAtStart: number;
  #gen: StepGenerator<unknown> | undefined;
  /** Group of the element pulled last: the chunk sizer's best guess for the next one's. */
  #group: string | undefined;
  /** Whether the computable asks for sizes per group itself (then `gen.next(n)` sends none). */
  #askedPerGroup = false;
  #nextJobId = 0;
  /** Elements pulled from the computable and their entries: the average sizes what is left. */
  #pulled = { elements: 0, entries: 0 };
  /** Entries of the last {@link RECENT} elements pulled (a ring): see {@link #remainingEstimate}. */
  readonly #recent = new Float64Array(RECENT);
  #batchStarted = new Map<number, number>();
  readonly #splitter: Splitter;

  constructor(settings: RunSettings) {
    this.settings = settings;
    this.#splitter = new Splitter(settings.splitDepth ?? DEFAULT_SPLIT_DEPTH);
    this.startedAt = settings.now();
    for (const skipped of settings.skipped ?? []) {
      this.failures.push(skipped);
      this.elementsKnown++;
      this.elementsDone++;
    }
    const restored = settings.restored;
    if (restored !== undefined) {
      for (const range of restored.completed) this.completed.add(range);
      for (const [group, value] of restored.results) this.shapes.accept(group, value);
      this.entriesDone = this.completed.length;
    }
    this.entriesDoneAtStart = this.entriesDone;
  }

  /** Takes up to the batch sizer's count of elements: due retries first, then new ones. */
  nextBatch(): BatchJob | undefined {
    // A sizer that has measured nothing yet may ask for one batch at a time (with nothing in flight, always one).
    if (this.inFlight > 0 && this.settings.batchSizer.probing?.() === true) return undefined;
    const sink = this.settings.sink;
    // Map mode: a batch never holds more outputs than the consumer's buffer, so memory stays bounded.
    const proposed = this.settings.batchSizer.next(this.#remainingEstimate());
    const want = sink === undefined ? proposed : Math.min(proposed, sink.highWaterMark);
    const items: BatchItem[] = this.ready.splice(0, want);
    while (items.length < want && !this.exhausted && this.fatal === undefined) {
      const element = this.#pull();
      if (element === undefined) break;
      items.push({ element, attempt: 1 });
    }
    if (items.length === 0) return undefined;
    const job: BatchJob = sink === undefined ? { id: this.#nextJobId++, items } : { id: this.#nextJobId++, items, map: true };
    this.inFlight++;
    this.#batchStarted.set(job.id, this.settings.now());
    return job;
  }

  /**
   * About how many elements are left to hand out: retries waiting, plus the entries not pulled yet
   * at the median entries per element of the last {@link RECENT} elements pulled. Unknown before
   * the first element. Recent elements and their median, not the whole run's average: a fileset of
   * large files and then many small ones (100,000 entries per element, then 40) would otherwise look
   * almost finished when its small files begin, and every batch after would be cut to an eighth.
   * Entries an earlier run restored are not counted; a restricted computable's gaps are (an
   * overestimate: larger batches).
   */
  #remainingEstimate(): number | undefined {
    const { elements, entries } = this.#pulled;
    if (elements === 0 || entries <= 0) return undefined;
    if (this.exhausted) return this.ready.length;
    const recent = this.#recent.slice(0, Math.min(elements, RECENT)).sort();
    const perElement = recent[(recent.length - 1) >> 1]!;
    if (perElement <= 0) return undefined;
    const left = Math.max(0, this.settings.computable.size - entries - (this.settings.restored === undefined ? 0 : this.entriesDoneAtStart));
    return this.ready.length + Math.ceil(left / perElement);
  }

  #pull() {
    try {
      const sizer = this.settings.chunkSizer;
      this.#gen ??= this.settings.computable.steps(
        sizer === undefined
          ? undefined
          : (group) => {
              this.#askedPerGroup = true;
              return sizer.propose(group);
            },
      ) as StepGenerator<unknown>;
      const next = this.#gen.next(this.#askedPerGroup ? undefined : sizer?.propose(this.#group));
      if (next.done) {
        this.exhausted = true;
        return undefined;
      }
      this.#group = next.value.group;
      this.elementsKnown++;
      const entries = next.value.range[1] - next.value.range[0];
      this.#recent[this.#pulled.elements % RECENT] = entries;
      this.#pulled.elements++;
      this.#pulled.entries += entries;
      return next.value;
    } catch (error) {
      this.exhausted = true;
      this.fatal = { error };
      return undefined;
    }
  }

  /** Records a batch's outcome and applies the error policy to its failures. */
  absorb(job: BatchJob, outcome: BatchOutcome): Absorbed {
    this.#settle(job, outcome.elements, outcome.busyMs);
    const refused = this.#refuseUnmergeable(job, outcome);
    const results = refused === undefined ? outcome.results : refused.results;
    const completed = refused === undefined ? outcome.completed : subtractRanges(outcome.completed, refused.items.map((r) => r.item.element.range));
    this.#record(completed, results);
    for (const range of completed) this.completed.add(range);
    this.elementsDone += outcome.elements - (refused?.items.length ?? 0);
    this.entriesDone += outcome.entries - (refused?.entries ?? 0);
    if (outcome.stats && this.settings.chunkSizer) this.settings.chunkSizer.observe(outcome.stats);
    this.#settleSplits(job, outcome, refused?.items);
    const retries: RetryRequest[] = [];
    for (const failure of outcome.failures) {
      const item = job.items[failure.index];
      if (item !== undefined) this.#fail(item, failure.error, retries);
    }
    for (const { item, error } of refused?.items ?? []) this.#fail(item, error, retries);
    if (outcome.outputs === undefined) return { retries, results, completed };
    const outputs = outcome.outputs.map(({ index, value }): MapOutput => {
      const { range, group } = job.items[index]!.element;
      return group === undefined ? { value, range } : { value, range, group };
    });
    return { retries, results, completed, outputs };
  }

  /** Records an accepted batch in the checkpoint; a checkpoint that cannot write cancels the run (the batch still counts in memory). */
  #record(completed: readonly Range[], results: ReadonlyMap<string | undefined, unknown>): void {
    const checkpoint = this.settings.checkpoint;
    if (checkpoint === undefined || this.fatal !== undefined || (completed.length === 0 && results.size === 0)) return;
    try {
      checkpoint.record(completed, results);
    } catch (error) {
      this.fatal = { error };
    }
  }

  /**
   * Checks each group's merged partial against what was accepted before. A group whose partial
   * cannot merge is refused whole: its elements fail with `E_BAD_RESULT` (under the policy, like
   * any failure) and their ranges do not count as completed.
   */
  #refuseUnmergeable(job: BatchJob, outcome: BatchOutcome): { results: Map<string | undefined, unknown>; items: Array<{ item: BatchItem; error: unknown }>; entries: number } | undefined {
    let refused: { results: Map<string | undefined, unknown>; items: Array<{ item: BatchItem; error: unknown }>; entries: number } | undefined;
    for (const [group, value] of outcome.results) {
      try {
        this.shapes.accept(group, value);
      } catch (error) {
        refused ??= { results: new Map(outcome.results), items: [], entries: 0 };
        refused.results.delete(group);
        const failedIndices = new Set(outcome.failures.map((f) => f.index));
        job.items.forEach((item, index) => {
          if (item.element.group !== group || failedIndices.has(index)) return;
          const range: Range = item.element.range;
          refused!.entries += item.element.entries ?? range[1] - range[0];
          refused!.items.push({
            item,
            error: new BadResultError(`The result of element ${formatRange(range)} cannot merge with the results before it: ${(error as Error).message}`, { cause: error }),
          });
        });
      }
    }
    return refused;
  }

  /** Elements of the batch that succeeded release the halves of their split elements that wait for them. */
  #settleSplits(job: BatchJob, outcome: BatchOutcome, refused: ReadonlyArray<{ item: BatchItem }> | undefined): void {
    const failed = outcome.failures.length === 0 && refused === undefined ? undefined : new Set(outcome.failures.map((f) => f.index));
    const refusedItems = refused === undefined ? undefined : new Set(refused.map((r) => r.item));
    job.items.forEach((item, index) => {
      if (failed?.has(index) || refusedItems?.has(item)) return;
      for (const released of this.#splitter.settled(item.element)) this.ready.push(released);
    });
  }

  /** A whole batch was lost (its lane's executor rejected): every element in it failed. */
  lose(job: BatchJob, error: unknown): Absorbed {
    this.#settle(job, 0);
    const retries: RetryRequest[] = [];
    for (const item of job.items) this.#fail(item, error, retries);
    return { retries, results: new Map(), completed: [] };
  }

  #settle(job: BatchJob, elements: number, busyMs?: number): void {
    this.inFlight--;
    const started = this.#batchStarted.get(job.id);
    this.#batchStarted.delete(job.id);
    if (started !== undefined && elements > 0) this.settings.batchSizer.observe(elements, busyMs ?? this.settings.now() - started);
  }

  #fail(item: BatchItem, error: unknown, retries: RetryRequest[]): void {
    if (this.fatal !== undefined || this.cancelReason !== undefined) return;
    let failing = item.element;
    let held = 0;
    let drop: (() => void) | undefined;
    if (isExhaustion(error)) {
      const { element } = item;
      this.settings.chunkSizer?.exhausted?.({ entries: element.entries ?? element.range[1] - element.range[0], ...(element.group === undefined ? {} : { group: element.group }) });
      const step = this.#splitter.exhausted(item);
      if (step.kind === 'split') {
        this.splits++;
        this.elementsKnown++;
        this.ready.push(step.item);
        return;
      }
      // Split as far as allowed and failing at every size: the policy applies once, to the whole element.
      failing = step.root;
      held = step.held;
      drop = step.drop;
    }
    const decision = decide(this.settings.policy, error, item.attempt, this.settings.random);
    switch (decision.action) {
      case 'retry':
        this.retries++;
        retries.push({ item: { element: item.element, attempt: item.attempt + 1 }, delayMs: decision.delayMs });
        break;
      case 'continue': {
        const { range, group } = failing;
        this.failures.push(group === undefined ? { range, error, attempts: item.attempt } : { range, error, attempts: item.attempt, group });
        this.elementsDone += 1 + held;
        drop?.();
        if (drop === undefined) for (const released of this.#splitter.settled(item.element)) this.ready.push(released);
        break;
      }
      case 'cancel':
        this.fatal = { error };
        break;
    }
  }

  /** Whether everything has been dispatched and nothing is in flight or waiting. */
  get finished(): boolean {
    return this.exhausted && this.ready.length === 0 && this.scheduledRetries === 0 && this.inFlight === 0;
  }

  /** A progress report for `status`. */
  progress(status: TaskStatus): Progress {
    const elapsedMs = Math.max(0, this.settings.now() - this.startedAt);
    return {
      status,
      elementsDone: this.elementsDone,
      elementsTotal: this.elementsKnown,
      entriesDone: this.entriesDone,
      entriesTotal: this.settings.computable.size,
      failures: this.failures.length,
      retries: this.retries,
      rate: elapsedMs > 0 ? (this.entriesDone * 1000) / elapsedMs : 0,
      elapsedMs,
    };
  }
}
