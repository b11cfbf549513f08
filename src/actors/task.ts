import type { Observable } from 'rxjs';
// The two classes alone: rxjs's index loads all of rxjs (~11 MiB resident in every driver, ~5 MiB of it unused).
import { ReplaySubject } from 'rxjs/internal/ReplaySubject';
import { Subject } from 'rxjs/internal/Subject';
import { createActor, type Actor, type ActorOptions, type InspectionEvent, type Observer } from 'xstate';
import type { Checkpoint, CheckpointState } from '../protocol/checkpoint.ts';
import { restrict, type Computable } from '../protocol/computable.ts';
import { TaskCancelledError, TaskIncompleteError } from '../protocol/errors.ts';
import { RangeSet, formatRange } from '../protocol/range.ts';
import { EMPTY, cloneResult, merge, type Empty } from '../protocol/result.ts';
import type { PartialResult, Progress, TaskStatus } from '../protocol/task.ts';
import type { LiveWorker } from './executor.ts';
import { supervisorMachine, statusOf, type SupervisorInput } from './supervisor.ts';

/** An inspector as xstate takes it: a function or an observer of inspection events. */
export type Inspector = ((event: InspectionEvent) => void) | Observer<InspectionEvent>;

/** How a task is run; made by a backend from the user's options. */
export interface TaskSettings extends Omit<SupervisorInput, 'publish' | 'computable' | 'restored'> {
  readonly signal?: AbortSignal | undefined;
  readonly inspect?: Inspector | undefined;
  readonly clock?: ActorOptions<typeof supervisorMachine>['clock'] | undefined;
  readonly onGroupComplete?: ((group: string, result: unknown) => void) | undefined;
  /** Drops a handed-out group's result (all groups, or those the function accepts). */
  readonly releaseGroups?: boolean | ((group: string) => boolean) | undefined;
  /** Records accepted batches and restores what an earlier run recorded (durable runs). */
  readonly checkpoint?: Checkpoint | undefined;
}

/** A group (dataset) whose every range is complete, handed out before the task ends. */
export interface GroupResult<R> {
  readonly group: string;
  readonly result: R extends Record<string, infer G> ? G : unknown;
}

/**
 * A handle on a running computation. `compute()` returns it at once; `result()` waits for the
 * merged result, `partial()` shows what is done so far without waiting, `cancel()` stops it and
 * keeps everything merged so far.
 *
 * @example
 * ```ts
 * const task = backend.compute(squares);
 * task.progress$.subscribe((p) => console.log(p.elementsDone, '/', p.elementsTotal));
 * const total = await task.result(); // typed as the processor's return type
 * ```
 */
export class Task<R> {
  /** The supervisor actor, for inspection. Its state is the task's state. */
  readonly actor: Actor<typeof supervisorMachine>;
  /** Progress reports: elements and entries done/total, failures, retries, rate. Completes when the task ends. */
  readonly progress$: Observable<Progress>;
  /** Each group (dataset) of a grouped computable, as soon as all of it is complete. Completes when the task ends. */
  readonly groups$: Observable<GroupResult<R>>;
  readonly #groups = new Subject<GroupResult<R>>();
  /** Groups not handed out yet. */
  #groupsLeft: Array<{ readonly name: string; readonly range: readonly [number, number] }> | undefined;
  readonly #onGroupComplete: ((group: string, result: unknown) => void) | undefined;
  readonly #releaseGroups: boolean | ((group: string) => boolean) | undefined;
  /** Groups handed out and then dropped (`releaseGroups`), in hand-out order. */
  readonly #released: string[] = [];
  readonly #computable: Computable<R>;
  readonly #progress: ReplaySubject<Progress>;
  #lastProgress: Progress;
  readonly #ended: Promise<void>;
  #crash: { error: unknown } | undefined;
  #final: PartialResult<R> | undefined;
  #unlisten: (() => void) | undefined;
  readonly #checkpoint: Checkpoint | undefined;
  readonly #restored: (CheckpointState & { readonly results: Map<string | undefined, unknown> }) | undefined;

  /**
   * What the checkpoint restored when the task started: entries and ranges that an earlier run
   * completed and this one did not compute again. `undefined` when nothing was restored.
   */
  readonly restored: { readonly entries: number; readonly ranges: number } | undefined;

  constructor(computable: Computable<R>, settings: TaskSettings) {
    this.#computable = computable;
    const { signal, inspect, clock, onGroupComplete, releaseGroups, checkpoint, ...input } = settings;
    this.#releaseGroups = releaseGroups;
    this.#checkpoint = checkpoint;
    // Our own map of the restored results: a released group's entry is deleted, so nothing keeps it.
    const restored = checkpoint?.restored === undefined ? undefined : { ...checkpoint.restored, results: new Map(checkpoint.restored.results) };
    this.#restored = restored;
    // Groups an earlier run released are complete and live elsewhere: not handed out again.
    this.#released.push(...(restored?.released ?? []));
    let toCompute: Computable<R> = computable;
    if (restored !== undefined) {
      const done = new RangeSet(restored.completed);
      this.restored = { entries: done.length, ranges: done.count };
      toCompute = restrict(computable, done.complement(computable.size).toArray());
    } else this.restored = undefined;
    this.#onGroupComplete = onGroupComplete;
    this.groups$ = this.#groups.asObservable();
    // Replays the latest report, even after the end, so a late subscriber still learns the outcome.
    this.#progress = new ReplaySubject<Progress>(1);
    this.#lastProgress = {
      status: 'pending',
      elementsDone: 0,
      elementsTotal: 0,
      entriesDone: this.restored?.entries ?? 0,
      entriesTotal: computable.size,
      failures: 0,
      retries: 0,
      rate: 0,
      elapsedMs: 0,
    };
    this.#progress.next(this.#lastProgress);
    this.progress$ = this.#progress.asObservable();
    this.actor = createActor(supervisorMachine, {
      input: {
        ...input,
        computable: toCompute,
        checkpoint,
        restored,
        skipped: computable.skipped,
        publish: (p) => {
          this.#progress.next((this.#lastProgress = p));
          if (computable.groups !== undefined) queueMicrotask(() => this.#handOutGroups());
        },
      },
      ...(inspect === undefined ? {} : { inspect }),
      ...(clock === undefined ? {} : { clock }),
    });
    this.#ended = new Promise<void>((resolve) => {
      this.actor.subscribe({
        next: (snapshot) => {
          if (snapshot.status === 'done') resolve();
        },
        error: (error) => {
          this.#crash = { error };
          resolve();
        },
      });
    }).then(async () => {
      this.#end();
      await this.#checkpoint?.close(this.status);
    });
    if (signal !== undefined) {
      const onAbort = () => this.cancel(signal.reason);
      if (signal.aborted) queueMicrotask(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#unlisten = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** Starts the supervisor. Backends call this; it does not block. */
  start(): this {
    this.actor.start();
    this.actor.send({ type: 'START' });
    return this;
  }

  /** Where the task stands. */
  get status(): TaskStatus {
    if (this.#crash) return 'cancelled';
    return statusOf(this.actor.getSnapshot().value);
  }

  /** Whether the task has ended (complete, incomplete or cancelled). */
  get done(): boolean {
    const status = this.status;
    return status === 'complete' || status === 'incomplete' || status === 'cancelled';
  }

  /** Stops dispatching at once; work in flight is asked to stop; everything merged so far is kept. */
  cancel(reason?: unknown): void {
    if (this.actor.getSnapshot().status !== 'active') return;
    this.actor.send(reason === undefined ? { type: 'CANCEL' } : { type: 'CANCEL', reason });
  }

  /**
   * The worker processes computing this task's batches, with host, pid, batches done and memory,
   * as their heartbeats last described them. Empty on backends without worker processes.
   *
   * @example
   * ```ts
   * for (const w of await task.workers()) console.log(w.host, w.pid, w.batchesDone, w.rssBytes);
   * ```
   */
  async workers(): Promise<LiveWorker[]> {
    return (await this.actor.getSnapshot().context.input.executor.workers?.()) ?? [];
  }

  /** Waits for the end, whatever the status, and returns the partial result. Never rejects. */
  async wait(): Promise<PartialResult<R>> {
    await this.#ended;
    return this.partial();
  }

  /**
   * The merged result. Rejects with {@link TaskIncompleteError} when elements were skipped and
   * with {@link TaskCancelledError} when the task was cancelled; `partial()` still has everything.
   */
  async result(): Promise<R> {
    const partial = await this.wait();
    const status = this.status;
    if (status === 'complete') return partial.result as R;
    if (status === 'incomplete') {
      const first = partial.failed[0]!;
      throw new TaskIncompleteError(
        `The task finished incomplete: ${partial.failed.length} element(s) were skipped under the error policy ` +
          `(first: ${describeError(first.error)} in ${formatRange(first.range)} after ${first.attempts} attempt(s)). ` +
          `task.partial().result holds the merged result of the ${partial.processed} completed entries, ` +
          `task.partial().failed lists what was skipped and why, and task.partial().remaining() is a computable over ` +
          `exactly the missing ranges: compute it and merge the two results for the full answer.`,
        { cause: first.error },
      );
    }
    const cause = partial.error ?? this.actor.getSnapshot().context.run.cancelReason;
    throw new TaskCancelledError(
      `The task was cancelled${partial.error !== undefined ? ` by a fatal error: ${describeError(partial.error)}` : cause !== undefined ? `: ${describeError(cause)}` : ''}. ` +
        `task.partial() holds everything merged before that (${partial.processed} entries); ` +
        `task.partial().remaining() computes the rest.`,
      { cause },
    );
  }

  /**
   * The ranges completed so far, sorted and coalesced, without copying any result (cheap enough to
   * call on every progress report, e.g. to show each dataset's share).
   */
  completedRanges(): Array<[number, number]> {
    return this.#final?.completed ?? this.actor.getSnapshot().context.run.completed.toArray();
  }

  /** Everything done so far; never blocks. While running, the result is a snapshot copy. */
  partial(): PartialResult<R> {
    if (this.#final) return this.#final;
    return this.#snapshot(true);
  }

  #snapshot(copy: boolean): PartialResult<R> {
    const context = this.actor.getSnapshot().context;
    const { run } = context;
    const groups = new Map<string | undefined, unknown>();
    const released = new Set<string | undefined>(this.#released);
    for (const [group, reducer] of context.reducers) {
      if (released.has(group)) continue;
      const { acc, buffer } = reducer.getSnapshot().context;
      let value = (copy ? cloneResult(acc) : acc) as Empty;
      for (const item of buffer) value = merge(value, (copy ? cloneResult(item) : item) as Empty);
      groups.set(group, value);
    }
    // Cancelled before it started: the restored results never reached a reducer.
    for (const [group, value] of this.#restored?.results ?? []) if (!groups.has(group) && !released.has(group)) groups.set(group, copy ? cloneResult(value) : value);
    let result: unknown = EMPTY;
    if (this.#computable.grouped) {
      const record: Record<string, unknown> = {};
      for (const [group, value] of groups) record[group ?? ''] = value;
      result = record;
    } else {
      result = groups.get(undefined) ?? EMPTY;
    }
    const completed = run.completed.toArray();
    const computable = this.#computable;
    const error = run.fatal?.error ?? this.#crash?.error;
    const missing = run.completed.complement(computable.size).toArray();
    const partial: PartialResult<R> = {
      result: result as R | Empty,
      completed,
      failed: run.failures.slice(),
      processed: run.completed.length,
      remaining: () => restrict(computable, missing),
      ...((this.#releaseGroups === undefined || this.#releaseGroups === false) && this.#released.length === 0 ? {} : { released: this.#released.slice() }),
      ...(error === undefined ? {} : { error }),
    };
    return partial;
  }

  /**
   * Hands out every group whose range is now complete, once each. The reducer folds what it holds
   * and seals its accumulator, which is handed out as it is, without a copy: it is the value
   * `result()` will hold for the group, and nothing merges into it afterwards.
   */
  #handOutGroups(): void {
    if (this.#final !== undefined) return;
    this.#groupsLeft ??= (this.#computable.groups ?? []).filter((g) => !this.#released.includes(g.name));
    if (this.#groupsLeft.length === 0) return;
    const { run, reducers } = this.actor.getSnapshot().context;
    const complete = new Set(this.#groupsLeft.filter(({ range }) => run.completed.covers(range)).map((g) => g.name));
    if (complete.size === 0) return;
    this.#groupsLeft = this.#groupsLeft.filter((g) => !complete.has(g.name));
    for (const name of complete) {
      const reducer = reducers.get(name);
      let value: unknown = EMPTY;
      if (reducer !== undefined) {
        // A stopped reducer (the task has ended) has folded everything already.
        if (reducer.getSnapshot().status === 'active') reducer.send({ type: 'SEAL' });
        value = reducer.getSnapshot().context.acc;
      }
      this.#groups.next({ group: name, result: value } as GroupResult<R>);
      this.#onGroupComplete?.(name, value);
      const release = this.#releaseGroups;
      if (release === true || (typeof release === 'function' && release(name))) {
        // Only the reducer still holds the value; once it lets go, the group's result can be collected.
        if (reducer?.getSnapshot().status === 'active') reducer.send({ type: 'RELEASE' });
        this.#restored?.results.delete(name);
        this.#released.push(name);
        try {
          // The checkpoint drops its own copy too (a record says the group was released).
          this.#checkpoint?.release?.(name);
        } catch {
          // Not recorded: the checkpoint keeps its copy, and a resumed run hands the group out again.
        }
      }
    }
  }

  #end(): void {
    this.#unlisten?.();
    this.#handOutGroups();
    this.#final = this.#snapshot(false);
    if (this.#crash) this.#progress.next({ ...this.#lastProgress, status: 'cancelled' });
    this.#progress.complete();
    this.#groups.complete();
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = error.name === "Error" && error.constructor.name !== "Error" ? error.constructor.name : error.name;
    return `${name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
  }
  return String(error);
}
