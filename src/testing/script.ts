import type { WorkElement } from '../protocol/computable.ts';
import { ElementTimeoutError, WorkerCrashError } from '../protocol/errors.ts';
import { formatRange, type Range } from '../protocol/range.ts';

/** An element as a script sees it. */
export interface ScriptedElement {
  /** Its range in the computable's index space. */
  readonly range: Range;
  readonly entries: number;
  readonly group?: string;
  /** The file it reads, when its data names one (`file` or `path`). */
  readonly file?: string;
  /** 1 on the first try. */
  readonly attempt: number;
}

/** A quantity per entry: one number, one per file name (others 0), or a function of the element. */
export type PerEntry = number | Readonly<Record<string, number>> | ((element: ScriptedElement) => number);

/** An entry whose element fails: successive attempts throw `errors`, then succeed. */
export interface ScriptedFailure {
  /** The element holding this entry fails. */
  readonly entry: number;
  /** What successive attempts throw: a code string (an `Error` with that `code`) or an error. */
  readonly errors: ReadonlyArray<string | Error>;
  /** Keep throwing the last error once the list is used up, instead of succeeding. @defaultValue false */
  readonly forever?: boolean;
}

/** The memory elements need, and the limit over which they fail with `E_WORKER_OOM`. */
export interface ScriptedMemory {
  /** Bytes over which an element fails with `E_WORKER_OOM`. @defaultValue no limit */
  readonly limit?: number;
  /** Bytes any element needs. @defaultValue 0 */
  readonly baseBytes?: number;
  /** Bytes per entry. @defaultValue 0 */
  readonly perEntry?: PerEntry;
  /**
   * Entries `[from, to)` that need `bytes` more in all; an element holding part of them needs
   * that share (so splitting helps, down to single entries).
   */
  readonly ranges?: ReadonlyArray<{ readonly from: number; readonly to: number; readonly bytes: number }>;
}

/**
 * What scripted elements cost and how they fail. Time is simulated: an element "takes"
 * `overheadMs + msPerEntry · entries` on the test clock.
 *
 * @example
 * ```ts
 * const script: Script = {
 *   overheadMs: 5,
 *   msPerEntry: { A: 1, B: 10 },                               // 1 ms per entry in file A, 10 in B
 *   failures: [{ entry: 42, errors: ['ENOENT', 'ENOENT'] }],   // fails twice, then succeeds
 *   memory: { limit: 1e9, ranges: [{ from: 5000, to: 6000, bytes: 2e9 }] }, // needs 2 GB there
 * };
 * ```
 */
export interface Script {
  /** Fixed time of every element (opening a file, a round trip), in ms. @defaultValue 0 */
  readonly overheadMs?: number;
  /** Time per entry, in ms. @defaultValue 0 */
  readonly msPerEntry?: PerEntry;
  /** Scripted failures; a scripted error is thrown once the element's overhead has passed. */
  readonly failures?: readonly ScriptedFailure[];
  /** Memory use and limit. */
  readonly memory?: ScriptedMemory;
  /** An element that would take longer fails with `E_ELEMENT_TIMEOUT` after this long. @defaultValue none */
  readonly elementTimeoutMs?: number;
  /** Bytes read per entry, reported to the chunk sizer. @defaultValue 0 */
  readonly bytesPerEntry?: PerEntry;
  /** Seed of the random source given to the task (backoff jitter). @defaultValue 1 */
  readonly seed?: number;
}

/** What one attempt of an element will do. */
export interface AttemptPlan {
  /** Simulated time until it ends (successfully or not). */
  readonly ms: number;
  readonly error?: Error;
  readonly peakMemory: number;
  readonly bytes: number;
}

function perEntry(value: PerEntry | undefined, element: ScriptedElement): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'function') return value(element);
  return element.file === undefined ? 0 : (value[element.file] ?? 0);
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Plays a {@link Script}: what each attempt of each element costs and whether it fails. */
export class ScriptPlayer {
  readonly script: Script;
  /** Errors thrown so far per scripted failure. */
  readonly #thrown: number[];

  constructor(script: Script) {
    this.script = script;
    this.#thrown = (script.failures ?? []).map(() => 0);
  }

  /** The element as a script sees it. */
  view(element: WorkElement, attempt: number): ScriptedElement {
    const data = element.data as { file?: unknown; path?: unknown };
    const file = typeof data.file === 'string' ? data.file : typeof data.path === 'string' ? data.path : undefined;
    return {
      range: element.range,
      entries: element.entries ?? element.range[1] - element.range[0],
      attempt,
      ...(element.group === undefined ? {} : { group: element.group }),
      ...(file === undefined ? {} : { file }),
    };
  }

  /** Plans one attempt; consumes a scripted error when the element holds a failing entry. */
  plan(element: WorkElement, attempt: number): AttemptPlan {
    const s = this.script;
    const view = this.view(element, attempt);
    const overhead = s.overheadMs ?? 0;
    const cost = overhead + perEntry(s.msPerEntry, view) * view.entries;
    const bytes = perEntry(s.bytesPerEntry, view) * view.entries;
    const peakMemory = this.#memory(view);
    let ms = cost;
    let error: Error | undefined;
    const [a, b] = view.range;
    for (const [i, failure] of (s.failures ?? []).entries()) {
      if (failure.entry < a || failure.entry >= b || failure.errors.length === 0) continue;
      const n = this.#thrown[i]!;
      if (n >= failure.errors.length && !failure.forever) continue;
      const thrown = failure.errors[Math.min(n, failure.errors.length - 1)]!;
      this.#thrown[i] = n + 1;
      return {
        ms: Math.min(overhead, cost),
        error: typeof thrown === 'string' ? codedError(thrown, `scripted ${thrown} at entry ${failure.entry} (element ${formatRange(view.range)}, attempt ${attempt})`) : thrown,
        peakMemory,
        bytes: 0,
      };
    }
    const limit = s.memory?.limit;
    if (limit !== undefined && peakMemory > limit) {
      // Memory grows as the element runs: it crosses the limit part of the way through.
      ms = cost * (limit / peakMemory);
      error = new WorkerCrashError(
        'E_WORKER_OOM',
        `scripted: element ${formatRange(view.range)} needs ${peakMemory} bytes, over the limit of ${limit}`,
      );
    }
    const timeout = s.elementTimeoutMs;
    if (timeout !== undefined && timeout < ms) {
      ms = timeout;
      error = new ElementTimeoutError(`scripted: element ${formatRange(view.range)} would take ${cost} ms, over the limit of ${timeout} ms`);
    }
    return error === undefined ? { ms, peakMemory, bytes } : { ms, error, peakMemory, bytes };
  }

  #memory(view: ScriptedElement): number {
    const m = this.script.memory;
    if (m === undefined) return 0;
    let bytes = (m.baseBytes ?? 0) + perEntry(m.perEntry, view) * view.entries;
    const [a, b] = view.range;
    for (const r of m.ranges ?? []) {
      const overlap = Math.min(b, r.to) - Math.max(a, r.from);
      if (overlap > 0 && r.to > r.from) bytes += (r.bytes * overlap) / (r.to - r.from);
    }
    return bytes;
  }
}
