import type { Observable } from 'rxjs';
import type { Actor } from 'xstate';
import type { Computable } from '../protocol/computable.ts';
import type { Failure, Progress, TaskStatus } from '../protocol/task.ts';
import type { MapOutput, OutputSink } from './output-sink.ts';
import type { supervisorMachine } from './supervisor.ts';
import type { Task } from './task.ts';

/** How a map ended, once it has: what completed, what was skipped, and what is left. */
export interface MapSummary<R> {
  readonly status: TaskStatus;
  /** Completed ranges, sorted and coalesced. */
  readonly completed: Array<[number, number]>;
  /** Elements skipped under the error policy. */
  readonly failed: readonly Failure[];
  /** Entries processed. */
  readonly processed: number;
  /** The fatal error, when a failure cancelled the map. */
  readonly error?: unknown;
  /** A computable over exactly the ranges not completed: map it again for the missing outputs. */
  remaining(): Computable<R>;
}

/**
 * A running `backend.map()`: the per-element outputs as an async iterable, with back-pressure.
 * Outputs wait in a buffer of `highWaterMark`; while it is full the supervisor dispatches nothing
 * new, so a slow consumer slows the map and memory stays bounded (at most the buffer plus one
 * batch of at most `highWaterMark` elements per lane). Leaving the loop (`break`, `return`, a
 * throw) cancels the map and waits until nothing is running. Failures follow the error policy as
 * in `compute()`: after the last output, the loop throws `TaskIncompleteError` when elements were
 * skipped and `TaskCancelledError` when a fatal error or the signal cancelled it.
 *
 * @example
 * ```ts
 * for await (const { value, range, group } of backend.map(selectMuons)) {
 *   console.log(group, range, value.length);
 * }
 * ```
 */
export class MapTask<R> implements AsyncIterable<MapOutput<R>> {
  /** The task underneath (its supervisor, lanes and progress). */
  readonly #task: Task<unknown>;
  readonly #queue: Array<MapOutput<R>> = [];
  #head = 0;
  #wake: (() => void) | undefined;
  #paused = false;
  #iterated = false;
  #stoppedByConsumer = false;
  /** Outputs buffered before dispatch pauses. */
  readonly highWaterMark: number;
  /** Progress reports, exactly as `task.progress$` of `compute()`. */
  readonly progress$: Observable<Progress>;

  constructor(start: (sink: OutputSink) => Task<unknown>, highWaterMark: number) {
    this.highWaterMark = highWaterMark;
    const sink: OutputSink = {
      highWaterMark,
      full: () => {
        const full = this.buffered >= highWaterMark;
        if (full) this.#paused = true;
        return full;
      },
      push: (outputs) => {
        for (const output of outputs) this.#queue.push(output as MapOutput<R>);
        this.#notify();
      },
    };
    this.#task = start(sink);
    this.progress$ = this.#task.progress$;
    void this.#task.wait().then(() => this.#notify());
  }

  /** The supervisor actor, for inspection. */
  get actor(): Actor<typeof supervisorMachine> {
    return this.#task.actor;
  }

  /** Where the map stands. */
  get status(): TaskStatus {
    return this.#task.status;
  }

  /** Outputs computed and not yet taken by the consumer. */
  get buffered(): number {
    return this.#queue.length - this.#head;
  }

  /** Stops dispatching; work in flight is asked to stop. The loop ends after the buffered outputs with `TaskCancelledError`. */
  cancel(reason?: unknown): void {
    this.#task.cancel(reason);
  }

  /** Waits for the end (never rejects) and says how it ended. Outputs not consumed stay buffered. */
  async wait(): Promise<MapSummary<R>> {
    const partial = await this.#task.wait();
    const { completed, failed, processed, error } = partial;
    return { status: this.#task.status, completed, failed, processed, ...(error === undefined ? {} : { error }), remaining: () => partial.remaining() as Computable<R> };
  }

  [Symbol.asyncIterator](): AsyncIterator<MapOutput<R>, undefined> {
    if (this.#iterated) throw new TypeError('A map can be iterated once: its outputs are handed out as they come and not kept');
    this.#iterated = true;
    return {
      next: () => this.#next(),
      return: async () => {
        await this.#stop();
        return { done: true, value: undefined };
      },
      throw: async (error: unknown) => {
        await this.#stop();
        throw error;
      },
    };
  }

  async #next(): Promise<IteratorResult<MapOutput<R>, undefined>> {
    for (;;) {
      if (this.#head < this.#queue.length) return { done: false, value: this.#take() };
      if (this.#stoppedByConsumer) return { done: true, value: undefined };
      if (this.#task.done) {
        // Throws TaskIncompleteError / TaskCancelledError exactly as compute()'s result() would.
        if (this.#task.status !== 'complete') await this.#task.result();
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #take(): MapOutput<R> {
    const output = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined as never;
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    // Resume at half the buffer, not at every output: one event per highWaterMark/2 outputs.
    if (this.#paused && this.buffered <= this.highWaterMark / 2) {
      this.#paused = false;
      if (this.#task.actor.getSnapshot().status === 'active') this.#task.actor.send({ type: 'SINK.DRAINED' });
    }
    return output;
  }

  async #stop(): Promise<void> {
    this.#stoppedByConsumer = true;
    this.#task.cancel(new Error('the consumer stopped reading the map outputs'));
    await this.#task.wait();
    this.#queue.length = 0;
    this.#head = 0;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
