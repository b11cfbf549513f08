import type { WorkerInfo } from '../../actors/executor.ts';
import type { BatchJob, BatchOutcome, ItemFailure, ItemOutput } from '../../actors/batch.ts';
import { CompletionTally, GroupMerger, badResult } from '../../actors/group-merger.ts';
import { decodeResult } from '../codec/decode.ts';
import { deserializeError } from '../errors/serialize.ts';
import { DONE, type WireOutcome } from './wire.ts';

/**
 * Gathers the outcome of one batch from the rounds it took: usually one, more when a worker died
 * and the rest of the batch ran again. Builds the {@link BatchOutcome} the runtime expects, in the
 * job's own indices.
 */
export class OutcomeBuilder {
  readonly #job: BatchJob;
  readonly #merger = new GroupMerger<string | undefined>();
  readonly #failures: ItemFailure[] = [];
  readonly #completed: number[] = [];
  /** Map mode: the output of each completed job index. */
  readonly #outputs = new Map<number, unknown>();
  readonly #ms: number[] | undefined;
  #rounds = 0;
  #busyMs = 0;
  #worker: WorkerInfo | undefined;

  constructor(job: BatchJob, collectStats: boolean) {
    this.#job = job;
    this.#ms = collectStats ? [] : undefined;
  }

  /** Records a failure of the job's item `index`. */
  fail(index: number, error: unknown): void {
    this.#failures.push({ index, error });
  }

  /** Adds a worker's outcome for the items `sent` (position in the wire batch → job index). */
  absorb(sent: readonly number[], groups: readonly string[], wire: WireOutcome): void {
    this.#rounds++;
    this.#busyMs += wire.busyMs;
    this.#worker = wire.worker;
    const { status, ms } = wire;
    const lost = new Set<number>();
    for (const [groupIndex, data] of wire.results) {
      const group = groupIndex < 0 ? undefined : groups[groupIndex];
      try {
        this.#merger.add(group, decodeResult(data), this.#job.items[sent[0]!]!.element.range);
      } catch (error) {
        // This group's result is unusable: its elements fail with the reason.
        for (let k = 0; k < sent.length; k++) {
          if (status[k] === DONE && this.#job.items[sent[k]!]!.element.group === group) {
            lost.add(k);
            this.fail(sent[k]!, badResult(error, this.#job.items[sent[k]!]!.element.range));
          }
        }
      }
    }
    for (const failure of wire.failures) this.fail(sent[failure.index]!, deserializeError(failure.error));
    for (let k = 0; k < status.length; k++) {
      if (status[k] !== DONE || lost.has(k)) continue;
      if (this.#job.map === true) {
        try {
          this.#outputs.set(sent[k]!, decodeResult(wire.outputs?.[k]));
        } catch (error) {
          this.fail(sent[k]!, badResult(error, this.#job.items[sent[k]!]!.element.range));
          continue;
        }
      }
      this.#completed.push(sent[k]!);
      this.#ms?.push(ms === null ? 0 : ms[k]!);
    }
  }

  /** The outcome, in the form the supervisor absorbs. */
  build(): BatchOutcome {
    const items = this.#job.items;
    let order = this.#completed.map((_, k) => k);
    if (this.#rounds > 1) order = order.sort((a, b) => items[this.#completed[a]!]!.element.range[0] - items[this.#completed[b]!]!.element.range[0]);
    const tally = new CompletionTally(this.#ms !== undefined);
    for (const k of order) tally.add(items[this.#completed[k]!]!.element, this.#ms?.[k] ?? 0);
    const { completed, entries, stats } = tally;
    const outcome: BatchOutcome = {
      jobId: this.#job.id,
      results: this.#merger.results,
      completed,
      failures: this.#failures,
      elements: tally.elements,
      entries,
      busyMs: this.#busyMs,
      ...(this.#worker === undefined ? {} : { worker: this.#worker }),
      ...(this.#job.map === true ? { outputs: order.map((k): ItemOutput => ({ index: this.#completed[k]!, value: this.#outputs.get(this.#completed[k]!) })) } : {}),
    };
    return stats ? { ...outcome, stats } : outcome;
  }
}
