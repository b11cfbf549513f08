import type { InspectionEvent } from 'xstate';
import { formatRange, type Range } from '../protocol/range.ts';

/** One line of a supervisor recording: an event it received, or the state it settled in. */
export type Recorded =
  | { readonly at: number; readonly kind: 'event'; readonly type: string; readonly detail: string }
  | { readonly at: number; readonly kind: 'state'; readonly value: string };

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.name === 'string' && e.name !== 'Error') return e.name;
  return typeof e?.message === 'string' ? e.message : String(error);
}

interface JobLike {
  id: number;
  items: ReadonlyArray<{ element: { range: Range }; attempt: number }>;
}

function describe(event: { type: string; [k: string]: unknown }): string {
  switch (event.type) {
    case 'LANE.DONE': {
      const job = event['job'] as JobLike;
      const outcome = event['outcome'] as { completed: Range[]; failures: Array<{ index: number; error: unknown }> };
      const failed = outcome.failures.map((f) => `${formatRange(job.items[f.index]!.element.range)}:${errorCode(f.error)}`);
      return `lane ${String(event['lane'])} job ${job.id} done ${outcome.completed.map((r) => formatRange(r)).join(' ') || '-'}${failed.length > 0 ? ` failed ${failed.join(' ')}` : ''}`;
    }
    case 'LANE.LOST': {
      const job = event['job'] as JobLike;
      return `lane ${String(event['lane'])} job ${job.id} lost: ${errorCode(event['error'])}`;
    }
    case 'RETRY.DUE': {
      const item = event['item'] as JobLike['items'][number];
      return `${formatRange(item.element.range)} attempt ${item.attempt}`;
    }
    case 'CANCEL':
      return event['reason'] === undefined ? '' : errorCode(event['reason']);
    default:
      return '';
  }
}

/**
 * Records what a task's supervisor receives and the states it settles in, through the `inspect`
 * compute option, with times from `clock`. Recordings are plain data: two runs of the same script
 * give equal recordings.
 *
 * @example
 * ```ts
 * const recorder = recordSupervisor(clock);
 * const task = backend.compute(computable, { inspect: recorder.inspect });
 * await runToEnd(task, clock);
 * recorder.states(); // ['pending', 'running', 'complete']
 * ```
 */
export class SupervisorRecorder {
  readonly #clock: { now(): number } | undefined;
  readonly #entries: Recorded[] = [];
  #session: string | undefined;
  #last: string | undefined;

  constructor(clock?: { now(): number }) {
    this.#clock = clock;
  }

  /** The inspector to pass as the `inspect` compute option. */
  readonly inspect = (event: InspectionEvent): void => {
    const ref = event.actorRef as { sessionId: string; logic?: { id?: string } };
    if (this.#session === undefined) {
      if (ref.logic?.id !== 'supervisor') return;
      this.#session = ref.sessionId;
    } else if (ref.sessionId !== this.#session) return;
    const at = this.#clock?.now() ?? 0;
    if (event.type === '@xstate.event') {
      const e = event.event as { type: string; [k: string]: unknown };
      this.#entries.push({ at, kind: 'event', type: e.type, detail: describe(e) });
    } else if (event.type === '@xstate.snapshot') {
      const value = JSON.stringify((event.snapshot as { value?: unknown }).value);
      const shown = value.startsWith('"') ? (JSON.parse(value) as string) : value;
      if (shown !== this.#last) {
        this.#last = shown;
        this.#entries.push({ at, kind: 'state', value: shown });
      }
    }
  };

  /** Everything recorded, in order. */
  get entries(): readonly Recorded[] {
    return this.#entries;
  }

  /** The states the supervisor settled in, in order, e.g. `['pending', 'running', 'complete']`. */
  states(): string[] {
    return this.#entries.flatMap((e) => (e.kind === 'state' ? [e.value] : []));
  }

  /** Its transitions, e.g. `['pending → running', 'running → complete']`. */
  transitions(): string[] {
    const states = this.states();
    return states.slice(1).map((to, i) => `${states[i]!} → ${to}`);
  }

  /** The events it received (of `type`, when given). */
  events(type?: string): Array<Extract<Recorded, { kind: 'event' }>> {
    return this.#entries.flatMap((e) => (e.kind === 'event' && (type === undefined || e.type === type) ? [e] : []));
  }

  /** A readable transcript, one line per entry: `   120 ms  event LANE.DONE lane 0 job 3 done [0, 100)`. */
  lines(): string[] {
    return this.#entries.map((e) =>
      e.kind === 'state' ? `${String(e.at).padStart(8)} ms  state ${e.value}` : `${String(e.at).padStart(8)} ms  event ${e.type}${e.detail ? ` ${e.detail}` : ''}`,
    );
  }
}

/** A {@link SupervisorRecorder} whose times come from `clock`. */
export function recordSupervisor(clock?: { now(): number }): SupervisorRecorder {
  return new SupervisorRecorder(clock);
}

/**
 * Throws, with both sequences side by side, unless the supervisor went through exactly
 * `expected` states. Works with any test runner.
 *
 * @example
 * ```ts
 * assertStates(recorder, ['pending', 'running', 'incomplete']);
 * ```
 */
export function assertStates(recorder: SupervisorRecorder, expected: readonly string[]): void {
  const actual = recorder.states();
  if (actual.length === expected.length && actual.every((s, i) => s === expected[i])) return;
  throw new Error(
    `Expected the supervisor to go through ${expected.join(' → ')}, but it went through ${actual.join(' → ') || '(nothing recorded)'}.\n` +
      `Transcript:\n${recorder.lines().join('\n')}`,
  );
}
