import { hostname } from 'node:os';
import type { Subscription as RxSubscription } from 'rxjs';
import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { BatchJob, BatchOutcome } from '../actors/batch.ts';
import type { Executor, LiveWorker, WorkerInfo } from '../actors/executor.ts';
import type { SupervisorContext } from '../actors/supervisor.ts';
import type { Task } from '../actors/task.ts';
import type { Progress } from '../protocol/task.ts';
import { histViews } from './hist-views.ts';
import { TRACE_VERSION, type HistsRecord, type TraceRecord } from './records.ts';
import { supervisorChart } from './supervisor-chart.ts';

/** Receives records in batches, at most every `flushMs`. */
export type RecordSink = (records: readonly TraceRecord[]) => void;

/** Options of a {@link Recorder}. */
export interface RecorderOptions {
  /** Milliseconds between deliveries to sinks (the page gets a frame at most every 250 ms anyway). @defaultValue 250 */
  flushMs?: number;
  /** Milliseconds between samples of the driver's memory. @defaultValue 500 */
  memoryMs?: number;
  /**
   * Records kept for a page that connects late; past it the oldest batch records are dropped
   * (counts and progress stay exact). @defaultValue 200000
   */
  historyLimit?: number;
}

/** Options of {@link Recorder.attach}. */
export interface AttachOptions {
  /** Shown on the page. @defaultValue `task N` */
  name?: string;
}

interface ActorInfo {
  readonly id: string;
  readonly isRoot: boolean;
  lane: number;
  value: string | undefined;
  n: number;
  last: string[];
  dirty: boolean;
}

interface Tracked {
  readonly id: number;
  readonly task: Task<unknown>;
  readonly actors: Map<string, ActorInfo>;
  readonly groups: ReadonlyArray<readonly [string, number, number]>;
  readonly laneWorker: Map<number, string>;
  readonly executorName: string;
  /** Batches in flight whose worker is not known yet (ids), asked of `runningOn` at each flush. */
  readonly unplaced: Set<number>;
  readonly runningOn: ((jobId: number) => string | undefined) | undefined;
  skipsSeen: number;
  fatalSeen: boolean;
  progress: Progress | undefined;
  progressDirty: boolean;
  version: number;
  hists: HistsRecord | undefined;
  histCostMs: number;
  histAt: number;
  ended: boolean;
  dropped: number;
  inspection: Subscription | undefined;
  progressSub: RxSubscription | undefined;
  unwatchWorkers: (() => void) | undefined;
}

const LAST_EVENTS = 6;

/**
 * Turns what running tasks show (xstate inspection events, progress reports, batch outcomes,
 * worker memory) into compact {@link TraceRecord}s, delivered to sinks in batches. The inspection
 * handler does constant work per event and serialises nothing: events are counted, and the last few
 * types kept, per actor, and sent at most every `flushMs`. Histograms are taken from the merged
 * result only when asked (the page, a trace), and no more often than keeps their cost under 2%.
 *
 * @example
 * ```ts
 * const recorder = new Recorder();
 * recorder.subscribe((records) => console.log(records.length));
 * recorder.attach(backend.compute(computable), { name: 'dimuon' });
 * ```
 */
export class Recorder {
  readonly #t0 = performance.now();
  readonly #sinks = new Set<RecordSink>();
  readonly #tasks = new Map<number, Tracked>();
  readonly #history: TraceRecord[] = [];
  readonly #pending: TraceRecord[] = [];
  readonly #memAt = new Map<string, number>();
  readonly #flushMs: number;
  readonly #memoryMs: number;
  readonly #historyLimit: number;
  #timer: NodeJS.Timeout | undefined;
  #memTimer: NodeJS.Timeout | undefined;
  #nextTask = 1;
  #closed = false;
  #selfMs = 0;
  readonly startedAt = new Date();

  constructor(options: RecorderOptions = {}) {
    this.#flushMs = options.flushMs ?? 250;
    this.#memoryMs = options.memoryMs ?? 500;
    this.#historyLimit = options.historyLimit ?? 200_000;
    this.#emit({ k: 'meta', t: 0, v: TRACE_VERSION, startedAt: this.startedAt.toISOString(), host: hostname(), pid: process.pid });
    this.#sampleMemory();
  }

  /**
   * Milliseconds of this thread's time the recorder has spent so far (handling inspection events,
   * flushing records to the page and trace, taking histograms, sampling memory): what watching
   * costs the run, measured from the inside.
   */
  get selfTimeMs(): number {
    return this.#selfMs;
  }

  /** Milliseconds since the recorder started. */
  now(): number {
    return Math.round((performance.now() - this.#t0) * 10) / 10;
  }

  /** Everything recorded so far (less batch records dropped past the history limit). */
  history(): readonly TraceRecord[] {
    return this.#history;
  }

  /** Whether any attached task is still running. */
  get running(): boolean {
    for (const tracked of this.#tasks.values()) if (!tracked.ended) return true;
    return false;
  }

  /** Resolves when every attached task has ended and its last records are out. */
  async idle(): Promise<void> {
    await Promise.all([...this.#tasks.values()].map((t) => t.task.wait()));
    await new Promise((resolve) => setImmediate(resolve));
    this.flush();
  }

  /** Delivers records to `sink` from now on; returns a function that stops it. */
  subscribe(sink: RecordSink): () => void {
    // Pending records are already in the history the new sink starts from: deliver them first.
    this.flush();
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** Starts recording a task (right after `compute()`: actors and batches already started are picked up). Returns its number. */
  attach(task: Task<unknown>, options: AttachOptions = {}): number {
    if (this.#closed) throw new Error('Expected an open recorder, got one that was closed');
    const id = this.#nextTask++;
    const context = task.actor.getSnapshot().context as SupervisorContext;
    const executor: Executor = context.input.executor;
    const computable = context.input.computable;
    const tracked: Tracked = {
      id,
      task,
      actors: new Map(),
      groups: (computable.groups ?? []).map((g) => [g.name, g.range[0], g.range[1]] as const),
      laneWorker: new Map(),
      executorName: executor.name,
      unplaced: new Set(),
      runningOn: executor.runningOn?.bind(executor),
      skipsSeen: 0,
      fatalSeen: false,
      progress: undefined,
      progressDirty: false,
      version: 0,
      hists: undefined,
      histCostMs: 0,
      histAt: -Infinity,
      ended: false,
      dropped: 0,
      inspection: undefined,
      progressSub: undefined,
      unwatchWorkers: undefined,
    };
    this.#tasks.set(id, tracked);
    this.#emit({
      k: 'task',
      t: this.now(),
      task: id,
      name: options.name ?? `task ${id}`,
      executor: executor.name,
      slots: executor.slots,
      entries: computable.size,
      datasets: tracked.groups,
      chart: supervisorChart(),
    });
    // What already happened before attaching: the supervisor, its lanes and reducers, batches in flight.
    this.#register(tracked, task.actor as AnyActorRef, undefined);
    for (const child of Object.values(task.actor.getSnapshot().children) as AnyActorRef[]) {
      const info = this.#register(tracked, child, 'supervisor');
      const job = (child.getSnapshot() as { context?: { job?: BatchJob } }).context?.job;
      if (info !== undefined && job !== undefined) this.#start(tracked, info.lane, job);
    }
    tracked.inspection = task.actor.system.inspect((event) => {
      // Watching must never break the run: a record that cannot be made is left out.
      const began = performance.now();
      try {
        this.#inspect(tracked, event);
      } catch {
        tracked.dropped++;
      }
      this.#selfMs += performance.now() - began;
    });
    tracked.progressSub = task.progress$.subscribe({
      next: (p) => {
        tracked.progress = p;
        tracked.progressDirty = true;
      },
      complete: () => this.#end(tracked),
    });
    tracked.unwatchWorkers = executor.workers === undefined ? undefined : this.#pollWorkers(executor.workers.bind(executor));
    this.#schedule();
    return id;
  }

  /** Records a file skipped before the run (it could not be opened while preparing). */
  skippedFile(file: string, error: unknown, dataset?: string): void {
    const { code, message } = describe(error);
    this.#emit({ k: 'file', t: this.now(), file, ...(dataset === undefined ? {} : { ds: dataset }), ...(code === undefined ? {} : { code }), error: message });
  }

  /**
   * The merged histograms of a task now (cached per merged-results version, and recomputed no
   * more often than every 50× their own cost, so asking often costs the run at most 2%).
   */
  hists(taskId: number, force = false): HistsRecord | undefined {
    const tracked = this.#tasks.get(taskId);
    if (tracked === undefined) return undefined;
    const cached = tracked.hists;
    if (cached !== undefined && (cached.version === tracked.version || (!force && performance.now() - tracked.histAt < Math.max(200, 50 * tracked.histCostMs)))) {
      return cached;
    }
    const began = performance.now();
    const views = histViews(tracked.task.partial().result);
    tracked.histCostMs = performance.now() - began;
    this.#selfMs += tracked.histCostMs;
    tracked.histAt = performance.now();
    tracked.hists = { k: 'hists', t: this.now(), task: taskId, version: tracked.version, hists: views };
    return tracked.hists;
  }

  /** Ids of the attached tasks. */
  taskIds(): number[] {
    return [...this.#tasks.keys()];
  }

  /** Sends what is pending to the sinks now. */
  flush(): void {
    const began = performance.now();
    for (const tracked of this.#tasks.values()) this.#collect(tracked);
    if (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      for (const sink of this.#sinks) sink(batch);
    }
    this.#selfMs += performance.now() - began;
  }

  /** Stops recording: detaches from every task, flushes, and stops the timers. */
  close(): void {
    if (this.#closed) return;
    for (const tracked of this.#tasks.values()) this.#detach(tracked);
    this.flush();
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#memTimer);
    this.#timer = undefined;
    this.#memTimer = undefined;
    this.#sinks.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => this.flush(), this.#flushMs);
    this.#timer.unref();
    // Between runs nothing changes that the page should redraw: sample only while a task runs.
    this.#memTimer = setInterval(() => {
      if (this.running) this.#sampleMemory();
    }, this.#memoryMs);
    this.#memTimer.unref();
  }

  #sampleMemory(): void {
    const began = performance.now();
    const m = process.memoryUsage();
    this.#emit({ k: 'mem', t: this.now(), worker: 'main', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal });
    this.#selfMs += performance.now() - began;
  }

  /** Heartbeats of worker processes (the cluster backend's), read every `memoryMs` while the task runs. */
  #pollWorkers(workers: () => Promise<LiveWorker[]>): () => void {
    let busy = false;
    const poll = () => {
      if (busy) return;
      busy = true;
      workers()
        .then((list) => {
          for (const w of list) this.#worker({ id: w.id, host: w.host, rss: w.rssBytes, heapUsed: w.heapUsedBytes }, true);
        })
        .catch(() => undefined)
        .finally(() => (busy = false));
    };
    poll();
    const timer = setInterval(poll, Math.max(this.#memoryMs, 250));
    timer.unref();
    return () => clearInterval(timer);
  }

  #worker(info: WorkerInfo, always: boolean): void {
    if (info.rss === undefined && info.heapUsed === undefined) return;
    const now = performance.now();
    if (!always && now - (this.#memAt.get(info.id) ?? -Infinity) < 250) return;
    this.#memAt.set(info.id, now);
    this.#emit({
      k: 'mem',
      t: this.now(),
      worker: info.id,
      ...(info.host === undefined ? {} : { host: info.host }),
      ...(info.rss === undefined ? {} : { rss: info.rss }),
      ...(info.heapUsed === undefined ? {} : { heapUsed: info.heapUsed }),
      ...(info.heapTotal === undefined ? {} : { heapTotal: info.heapTotal }),
    });
  }

  #emit(record: TraceRecord): void {
    this.#pending.push(record);
    this.#history.push(record);
    if (this.#history.length > this.#historyLimit) this.#trimHistory();
  }

  #trimHistory(): void {
    // Drop the oldest half of the batch records: the task stream loses its distant past, nothing else.
    let drop = this.#history.filter((r) => r.k === 'start' || r.k === 'end' || r.k === 'events').length >> 1;
    const kept = this.#history.filter((r) => !((r.k === 'start' || r.k === 'end' || r.k === 'events') && drop-- > 0));
    this.#history.splice(0, this.#history.length, ...kept);
  }

  #register(tracked: Tracked, ref: AnyActorRef, parent: string | undefined): ActorInfo | undefined {
    const machine = (ref as unknown as { logic?: { id?: unknown } }).logic?.id;
    if (typeof machine !== 'string') return undefined;
    const isRoot = ref === (tracked.task.actor as AnyActorRef);
    const id = isRoot ? 'supervisor' : ref.id;
    const lane = machine === 'lane' ? Number(/(\d+)$/.exec(ref.id)?.[1] ?? -1) : -1;
    const info: ActorInfo = { id, isRoot, lane, value: undefined, n: 0, last: [], dirty: false };
    tracked.actors.set(ref.sessionId, info);
    this.#emit({ k: 'actor', t: this.now(), task: tracked.id, id, machine, ...(parent === undefined ? {} : { parent }) });
    this.#state(tracked, info, ref.getSnapshot());
    return info;
  }

  #state(tracked: Tracked, info: ActorInfo, snapshot: unknown): void {
    if (snapshot === undefined || snapshot === null) return;
    const { value, status } = snapshot as { value?: unknown; status?: unknown };
    // A machine without states (a reducer) has the value {}: show whether it is active instead.
    const stateless = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
    const text = typeof value === 'string' ? value : stateless || value === undefined ? (typeof status === 'string' ? status : undefined) : JSON.stringify(value);
    if (text !== undefined && text !== info.value) {
      info.value = text;
      this.#emit({ k: 'state', t: this.now(), task: tracked.id, id: info.id, value: text });
    }
    if (info.isRoot) this.#policy(tracked, (snapshot as { context: SupervisorContext }).context);
  }

  #inspect(tracked: Tracked, event: InspectionEvent): void {
    if (tracked.ended) return;
    if (event.type === '@xstate.event') {
      const info = tracked.actors.get(event.actorRef.sessionId);
      if (info === undefined) return;
      const e = event.event as { type: string };
      info.n++;
      info.dirty = true;
      if (info.last.length >= LAST_EVENTS) info.last.shift();
      const from = event.sourceRef === undefined ? undefined : tracked.actors.get(event.sourceRef.sessionId)?.id;
      const type = e.type.startsWith('xstate.') ? shortType(e.type) : e.type;
      info.last.push(from === undefined || from === info.id ? type : `${type}←${from}`);
      if (e.type === 'RUN' && info.lane >= 0) this.#start(tracked, info.lane, (e as unknown as { job: BatchJob }).job);
      else if (e.type === 'LANE.DONE') {
        const done = e as unknown as { lane: number; job: BatchJob; outcome: BatchOutcome };
        this.#done(tracked, done.lane, done.job, done.outcome);
      } else if (e.type === 'LANE.LOST') {
        const lost = e as unknown as { lane: number; job: BatchJob; error: unknown };
        this.#lost(tracked, lost.lane, lost.job, lost.error);
      }
    } else if (event.type === '@xstate.snapshot') {
      const info = tracked.actors.get(event.actorRef.sessionId);
      if (info !== undefined) this.#state(tracked, info, event.snapshot);
    } else if (event.type === '@xstate.actor') {
      if (tracked.actors.has(event.actorRef.sessionId)) return;
      const ref = event.actorRef as AnyActorRef;
      const parent = ref._parent;
      const parentInfo = parent === undefined ? undefined : tracked.actors.get(parent.sessionId);
      if (parentInfo !== undefined) this.#register(tracked, ref, parentInfo.id);
    }
  }

  #start(tracked: Tracked, lane: number, job: BatchJob): void {
    // Retries leave the supervisor's ready queue first, so they lead the batch: counting stops at the
    // first fresh element, which keeps this constant-time for batches of thousands of tiny elements.
    const items = job.items;
    let retry = 0;
    while (retry < items.length && items[retry]!.attempt > 1) retry++;
    this.#emit({ k: 'start', t: this.now(), task: tracked.id, job: job.id, lane, n: job.items.length, retry });
    if (tracked.runningOn !== undefined) tracked.unplaced.add(job.id);
  }

  #done(tracked: Tracked, lane: number, job: BatchJob, outcome: BatchOutcome): void {
    tracked.unplaced.delete(job.id);
    const worker = outcome.worker?.id ?? (tracked.executorName === 'inline' ? 'main' : `${tracked.executorName}-lane-${lane}`);
    tracked.laneWorker.set(lane, worker);
    if (outcome.results.size > 0) tracked.version++;
    let ds: Record<string, [number, number]> | undefined;
    if (tracked.groups.length > 0) {
      ds = {};
      const failed = new Set(outcome.failures.map((f) => f.index));
      job.items.forEach((item, index) => {
        if (failed.has(index)) return;
        const { group, range } = item.element;
        if (group === undefined) return;
        const entry = (ds![group] ??= [0, 0]);
        entry[0]++;
        entry[1] += range[1] - range[0];
      });
    }
    this.#emit({
      k: 'end',
      t: this.now(),
      task: tracked.id,
      job: job.id,
      lane,
      worker,
      ...(outcome.busyMs === undefined ? {} : { busy: Math.round(outcome.busyMs * 10) / 10 }),
      ok: outcome.elements,
      fail: outcome.failures.length,
      entries: outcome.entries,
      ...(ds === undefined ? {} : { ds }),
    });
    for (const failure of outcome.failures) {
      const item = job.items[failure.index];
      if (item !== undefined) this.#fail(tracked, item.element, item.attempt, failure.error);
    }
    if (outcome.worker !== undefined) this.#worker(outcome.worker, false);
  }

  #lost(tracked: Tracked, lane: number, job: BatchJob, error: unknown): void {
    tracked.unplaced.delete(job.id);
    const worker = tracked.laneWorker.get(lane) ?? `${tracked.executorName}-lane-${lane}`;
    this.#emit({ k: 'end', t: this.now(), task: tracked.id, job: job.id, lane, worker, ok: 0, fail: job.items.length, entries: 0, lost: true });
    for (const item of job.items) this.#fail(tracked, item.element, item.attempt, error);
  }

  #fail(tracked: Tracked, element: BatchJob['items'][number]['element'], attempt: number, error: unknown): void {
    const { code, message, file } = describe(error);
    this.#emit({
      k: 'fail',
      t: this.now(),
      task: tracked.id,
      range: [element.range[0], element.range[1]],
      ...(element.group === undefined ? {} : { ds: element.group }),
      attempt,
      ...(code === undefined ? {} : { code }),
      error: message,
      ...(file === undefined ? {} : { file }),
    });
  }

  /** Failures the error policy gave up on, read from the supervisor's plain-data state. */
  #policy(tracked: Tracked, context: SupervisorContext): void {
    const { run } = context;
    while (tracked.skipsSeen < run.failures.length) {
      const failure = run.failures[tracked.skipsSeen++]!;
      const { code, message } = describe(failure.error);
      this.#emit({
        k: 'skip',
        t: this.now(),
        task: tracked.id,
        range: [failure.range[0], failure.range[1]],
        ...(failure.group === undefined ? {} : { ds: failure.group }),
        attempts: failure.attempts,
        ...(code === undefined ? {} : { code }),
        error: message,
      });
    }
    if (!tracked.fatalSeen && run.fatal !== undefined) {
      tracked.fatalSeen = true;
      const { code, message } = describe(run.fatal.error);
      this.#emit({ k: 'fatal', t: this.now(), task: tracked.id, ...(code === undefined ? {} : { code }), error: message });
    }
  }

  /** Turns what accumulated since the last flush (progress, event counts) into records. */
  #collect(tracked: Tracked): void {
    if (tracked.progressDirty && tracked.progress !== undefined) {
      tracked.progressDirty = false;
      const p = tracked.progress;
      this.#emit({ k: 'progress', t: this.now(), task: tracked.id, ...p, rate: Math.round(p.rate) });
    }
    // Batches in flight that a worker took since: one executor look-up each (a shared-memory read).
    if (tracked.runningOn !== undefined && !tracked.ended) {
      for (const job of tracked.unplaced) {
        const worker = tracked.runningOn(job);
        if (worker === undefined) continue;
        tracked.unplaced.delete(job);
        this.#emit({ k: 'run', t: this.now(), task: tracked.id, job, worker });
      }
    }
    for (const info of tracked.actors.values()) {
      if (!info.dirty) continue;
      info.dirty = false;
      this.#emit({ k: 'events', t: this.now(), task: tracked.id, id: info.id, n: info.n, last: info.last.slice() });
    }
  }

  #end(tracked: Tracked): void {
    if (tracked.ended) return;
    // The final snapshot's records (states, skips) come before the final histograms.
    const snapshot = tracked.task.actor.getSnapshot();
    const root = [...tracked.actors.values()].find((a) => a.isRoot);
    if (root !== undefined) this.#state(tracked, root, snapshot);
    tracked.ended = true;
    this.#collect(tracked);
    const hists = this.hists(tracked.id, true);
    if (hists !== undefined) this.#emit({ ...hists, t: this.now() });
    this.#detach(tracked);
    this.flush();
  }

  #detach(tracked: Tracked): void {
    tracked.inspection?.unsubscribe();
    tracked.progressSub?.unsubscribe();
    tracked.unwatchWorkers?.();
    tracked.inspection = undefined;
    tracked.progressSub = undefined;
    tracked.unwatchWorkers = undefined;
  }
}

/** An error's code, one-line message and file, for records. */
export function describe(error: unknown): { code?: string; message: string; file?: string } {
  let code: string | undefined;
  let file: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const c = (current as { code?: unknown }).code;
    const p = (current as { path?: unknown }).path;
    if (code === undefined && typeof c === 'string') code = c;
    if (file === undefined && typeof p === 'string') file = p;
    current = (current as { cause?: unknown }).cause;
  }
  const e = typeof error === 'object' && error !== null ? (error as { name?: unknown; message?: unknown }) : undefined;
  const rawName = typeof e?.name === 'string' ? e.name : undefined;
  const name = rawName === 'Error' && error instanceof Error ? error.constructor.name : rawName;
  const text = typeof e?.message === 'string' ? e.message : String(error);
  const message = (name !== undefined && name !== 'Error' ? `${name}: ${text}` : text).replace(/\s+/g, ' ').slice(0, 400);
  return { ...(code === undefined ? {} : { code }), message, ...(file === undefined ? {} : { file }) };
}

/** xstate's internal event types, shortened: `xstate.done.actor.0.lane.busy` → `done(busy)`. */
function shortType(type: string): string {
  const match = /^xstate\.(done|error)\.actor\.(?:.*\.)?([^.]+)$/.exec(type);
  return match === null ? type : `${match[1]}(${match[2]})`;
}
