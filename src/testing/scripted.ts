import { runBatch, type BatchJob, type BatchOutcome, type ElementStats } from '../actors/batch.ts';
import type { Executor } from '../actors/executor.ts';
import type { Task } from '../actors/task.ts';
import { BaseBackend, type BackendOptions } from '../backends/backend.ts';
import type { ComputeOptions, ResolvedComputeOptions } from '../backends/options.ts';
import { resolveProcessor } from '../backends/resolve-processor.ts';
import type { Computable, WorkElement } from '../protocol/computable.ts';
import type { DataElement } from '../protocol/data.ts';
import { InvalidOptionsError } from '../protocol/errors.ts';
import type { Range } from '../protocol/range.ts';
import type { TestClock } from './clock.ts';
import { seededRandom } from './random.ts';
import { ScriptPlayer, type Script } from './script.ts';

/** One attempt of one element, as the scripted backend ran it. */
export interface ScriptedAttempt {
  readonly range: Range;
  readonly entries: number;
  readonly group?: string;
  readonly attempt: number;
  /** Simulated time it started and ended. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The error's `code` (or name) when it failed; `'aborted'` when cancellation stopped it. */
  readonly error?: string;
}

/** Options of {@link scripted}. */
export interface ScriptedOptions extends BackendOptions {
  /** What elements cost and how they fail. @defaultValue `{}` (free, never fails) */
  script?: Script;
  /** The simulated clock elements take their time on. */
  clock: TestClock;
  /** Batches in flight at once (lanes). @defaultValue 1 */
  slots?: number;
}

/** A backend whose elements take scripted simulated time; see {@link scripted}. */
export class ScriptedBackend extends BaseBackend {
  readonly name = 'scripted';
  readonly clock: TestClock;
  readonly script: Script;
  /** Every attempt so far, in the order they ended. */
  readonly attempts: ScriptedAttempt[] = [];
  readonly #slots: number;
  readonly #player: ScriptPlayer;

  constructor(options: ScriptedOptions) {
    super(options);
    const slots = options.slots ?? 1;
    if (!Number.isInteger(slots) || slots < 1) {
      throw new InvalidOptionsError(`Expected \`slots\` to be an integer from 1 and up, got \`${String(slots)}\` (${typeof slots})`);
    }
    if (typeof options.clock?.sleep !== 'function') {
      throw new InvalidOptionsError(`Expected \`clock\` to be a clock from simulatedClock(), got \`${String(options.clock)}\` (${typeof options.clock})`);
    }
    this.#slots = slots;
    this.clock = options.clock;
    this.script = options.script ?? {};
    this.#player = new ScriptPlayer(this.script);
  }

  /**
   * Like every backend's `compute`, with the simulated clock as the actor clock and for timings,
   * and a random source seeded from the script, unless the options say otherwise.
   */
  override compute<R>(computable: Computable<R>, options: ComputeOptions = {}): Task<R> {
    return super.compute(computable, {
      clock: this.clock,
      now: () => this.clock.now(),
      random: seededRandom(this.script.seed ?? 1),
      ...options,
    });
  }

  protected executor(options: ResolvedComputeOptions): Executor {
    const clock = this.clock;
    const player = this.#player;
    const attempts = this.attempts;
    const now = options.now ?? (() => clock.now());
    return {
      name: 'scripted',
      slots: this.#slots,
      collectStats: true,
      async runBatch(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
        // Ranges are unique within a batch: they key the plans for the stats.
        const plans = new Map<string, { peakMemory: number; bytes: number }>();
        const items = job.items.map(({ element, attempt }) => {
          const data: DataElement = {
            async load(s?: AbortSignal) {
              const plan = player.plan(element, attempt);
              plans.set(`${element.range[0]}:${element.range[1]}`, plan);
              const startedAt = clock.now();
              const base = { range: element.range, entries: element.entries ?? element.range[1] - element.range[0], attempt, ...(element.group === undefined ? {} : { group: element.group }) };
              try {
                if (plan.ms > 0) await clock.sleep(plan.ms, s);
              } catch (error) {
                attempts.push({ ...base, startedAt, endedAt: clock.now(), error: 'aborted' });
                throw error;
              }
              const code = plan.error === undefined ? undefined : String((plan.error as { code?: unknown }).code ?? plan.error.name);
              attempts.push({ ...base, startedAt, endedAt: clock.now(), ...(code === undefined ? {} : { error: code }) });
              if (plan.error !== undefined) throw plan.error;
              return element.data.load(s);
            },
          };
          // Keeps the element's own fields and methods (split) and swaps in the scripted data.
          return { element: Object.create(element, { data: { value: data } }) as WorkElement, attempt };
        });
        await Promise.resolve();
        const outcome = await runBatch({ id: job.id, items }, { signal, resolve: resolveProcessor, collectStats: true, now });
        if (outcome.stats === undefined) return outcome;
        const stats: ElementStats[] = outcome.stats.map((stat) => {
          const plan = plans.get(`${stat.range[0]}:${stat.range[1]}`);
          return plan === undefined ? stat : { ...stat, peakMemory: plan.peakMemory, bytes: plan.bytes };
        });
        return { ...outcome, stats };
      },
    };
  }

  protected async release(): Promise<void> {}
}

/**
 * A backend for tests: elements "take" the time a {@link Script} gives them on a simulated clock
 * (nothing sleeps), fail as scripted (an error code on chosen attempts, `E_WORKER_OOM` over a
 * memory limit, `E_ELEMENT_TIMEOUT` over a time limit), and still run the real processor on their
 * data, so results are real. Drive it with {@link runToEnd}; the same script gives the same run,
 * transition for transition.
 *
 * @example
 * ```ts
 * import { recordSupervisor, runToEnd, scripted, simulatedClock, testFiles } from 'cortado/testing';
 *
 * const clock = simulatedClock();
 * await using backend = scripted({ clock, script: { msPerEntry: 1, failures: [{ entry: 42, errors: ['ENOENT', 'ENOENT'] }] } });
 * const task = backend.compute(testFiles([{ name: 'A', entries: 1000 }], { chunkSize: 100 }));
 * const partial = await runToEnd(task, clock); // complete, after two retries with backoff
 * ```
 */
export function scripted(options: ScriptedOptions): ScriptedBackend {
  return new ScriptedBackend(options);
}
