/**
 * The records of a monitored run: what the live dashboard streams to the page, and, one JSON object
 * per line, what a trace file (`--trace run.jsonl`) holds. Every record has `k` (its kind) and `t`
 * (milliseconds since the recording began); records about a task carry `task` (a small integer).
 * The format is documented in the README ("Trace files"); version 1.
 */

/** Format version written in the `meta` record. */
export const TRACE_VERSION = 1;

/** First record of a trace: when and where it was recorded. */
export interface MetaRecord {
  readonly k: 'meta';
  readonly t: 0;
  readonly v: typeof TRACE_VERSION;
  /** Wall-clock start, ISO 8601. */
  readonly startedAt: string;
  readonly host: string;
  readonly pid: number;
}

/** A node of a statechart, laid out (centre `x`, `y`; size `w`, `h`). */
export interface ChartNode {
  readonly id: string;
  readonly final: boolean;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A transition of a statechart, laid out as a polyline; `label` is the event or `always [guard]`. */
export interface ChartEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** A machine's states and transitions, laid out. */
export interface Chart {
  readonly id: string;
  readonly initial: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly ChartNode[];
  readonly edges: readonly ChartEdge[];
}

/** A task was attached: its name, backend, size, datasets (name and entry range) and supervisor statechart. */
export interface TaskRecord {
  readonly k: 'task';
  readonly t: number;
  readonly task: number;
  readonly name: string;
  readonly executor: string;
  readonly slots: number;
  readonly entries: number;
  readonly datasets: ReadonlyArray<readonly [name: string, start: number, stop: number]>;
  readonly chart: Chart;
}

/** An actor of a task appeared (the supervisor, a lane, a reducer). */
export interface ActorRecord {
  readonly k: 'actor';
  readonly t: number;
  readonly task: number;
  readonly id: string;
  readonly machine: string;
  readonly parent?: string;
}

/** An actor's state value changed. */
export interface StateRecord {
  readonly k: 'state';
  readonly t: number;
  readonly task: number;
  readonly id: string;
  readonly value: string;
}

/** Events an actor received since its last `events` record: how many, and the last few (sampled). */
export interface EventsRecord {
  readonly k: 'events';
  readonly t: number;
  readonly task: number;
  readonly id: string;
  readonly n: number;
  /** `TYPE` or `TYPE←sender`, oldest first. */
  readonly last: readonly string[];
}

/** A batch was dispatched to a lane (`retry`: how many of its elements are retries). */
export interface StartRecord {
  readonly k: 'start';
  readonly t: number;
  readonly task: number;
  readonly job: number;
  readonly lane: number;
  readonly n: number;
  readonly retry: number;
}

/**
 * A batch in flight was taken by a worker (threads: the thread that runs it). Until then, and on
 * executors that cannot tell, the page draws a running batch on the row its lane used last.
 */
export interface RunRecord {
  readonly k: 'run';
  readonly t: number;
  readonly task: number;
  readonly job: number;
  readonly worker: string;
}

/** A batch came back: the worker that ran it, for how long, and what it completed, per dataset. */
export interface EndRecord {
  readonly k: 'end';
  readonly t: number;
  readonly task: number;
  readonly job: number;
  readonly lane: number;
  readonly worker: string;
  /** Milliseconds the worker spent on it (queue time excluded), when known. */
  readonly busy?: number;
  readonly ok: number;
  readonly fail: number;
  readonly entries: number;
  /** Per dataset: `[elements completed, entries completed]`. */
  readonly ds?: Readonly<Record<string, readonly [number, number]>>;
  /** The whole batch was lost (its worker died and it could not be rerun). */
  readonly lost?: true;
}

/** One failed attempt of one element. */
export interface FailRecord {
  readonly k: 'fail';
  readonly t: number;
  readonly task: number;
  readonly range: readonly [number, number];
  readonly ds?: string;
  readonly attempt: number;
  readonly code?: string;
  readonly error: string;
  readonly file?: string;
}

/** The error policy gave up on an element (`skip`) or on the run (`fatal`). */
export interface SkipRecord {
  readonly k: 'skip' | 'fatal';
  readonly t: number;
  readonly task: number;
  readonly range?: readonly [number, number];
  readonly ds?: string;
  readonly attempts?: number;
  readonly code?: string;
  readonly error: string;
}

/** A file that was skipped before the run (it could not be opened while preparing). */
export interface FileRecord {
  readonly k: 'file';
  readonly t: number;
  readonly file: string;
  readonly ds?: string;
  readonly code?: string;
  readonly error: string;
}

/** A task's progress report (see `Progress`). */
export interface ProgressRecord {
  readonly k: 'progress';
  readonly t: number;
  readonly task: number;
  readonly status: string;
  readonly elementsDone: number;
  readonly elementsTotal: number;
  readonly entriesDone: number;
  readonly entriesTotal: number;
  readonly failures: number;
  readonly retries: number;
  readonly rate: number;
  readonly elapsedMs: number;
}

/** Memory of one worker (`main` is the driver process). */
export interface MemRecord {
  readonly k: 'mem';
  readonly t: number;
  readonly worker: string;
  readonly host?: string;
  readonly rss?: number;
  readonly heapUsed?: number;
  readonly heapTotal?: number;
}

/** One histogram of a result, along its first numeric axis (or its first category axis). */
export interface HistView {
  /** Key path in the result, joined with `/` (e.g. `DYJetsToLL/mass`). */
  readonly key: string;
  readonly label: string;
  /** Bin edges (numeric axes), `bins + 1` of them. */
  readonly edges?: readonly number[];
  /** Category names (category axes). */
  readonly categories?: readonly string[];
  readonly values: readonly number[];
  readonly entries: number;
}

/** The merged histograms of a task at `version` (results merged so far). */
export interface HistsRecord {
  readonly k: 'hists';
  readonly t: number;
  readonly task: number;
  readonly version: number;
  readonly hists: readonly HistView[];
}

/** Any record. */
export type TraceRecord =
  | MetaRecord
  | TaskRecord
  | ActorRecord
  | StateRecord
  | EventsRecord
  | StartRecord
  | RunRecord
  | EndRecord
  | FailRecord
  | SkipRecord
  | FileRecord
  | ProgressRecord
  | MemRecord
  | HistsRecord;
