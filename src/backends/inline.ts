import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { runBatch, type BatchJob, type BatchOutcome } from '../actors/batch.ts';
import type { Executor } from '../actors/executor.ts';
import { closeIdleFiles } from '../io/bytes/open-files.ts';
import type { Computable } from '../protocol/computable.ts';
import { InvalidOptionsError } from '../protocol/errors.ts';
import { definedCode, isProcessorRef, type Processor, type ProcessorFn } from '../protocol/processor.ts';
import type { ProcessorCodes } from '../protocol/processor-code.ts';
import { BaseBackend, type BackendOptions } from './backend.ts';
import type { ResolvedComputeOptions } from './options.ts';
import { assertLoadedCode, loadedCode, resolveProcessor } from './resolve-processor.ts';

/** Options of {@link inline}. */
export interface InlineOptions extends BackendOptions {
  /**
   * Batches in flight at once. More than one helps when elements wait on I/O (loading files):
   * one loads while another computes. @defaultValue 1
   */
  concurrency?: number;
}

class InlineBackend extends BaseBackend {
  readonly name = 'inline';
  readonly #concurrency: number;

  constructor(options: InlineOptions) {
    super(options);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionsError(`Expected \`concurrency\` to be an integer from 1 and up, got \`${String(concurrency)}\` (${typeof concurrency})`);
    }
    this.#concurrency = concurrency;
  }

  protected executor(options: ResolvedComputeOptions, computable: Computable<unknown>): Executor {
    const collectStats = options.chunkSizer !== undefined;
    const now = options.now;
    const resolve = computable.code === undefined ? resolveProcessor : checkedResolver(computable.code);
    return {
      name: 'inline',
      slots: this.#concurrency,
      collectStats,
      async runBatch(job: BatchJob, signal: AbortSignal): Promise<BatchOutcome> {
        // Never run a batch inside the event that dispatched it: compute() must not block, and
        // timers, cancellation and progress need the event loop between batches.
        await yieldToEventLoop();
        return runBatch(job, { signal, resolve, collectStats, ...(now ? { now } : {}) });
      },
    };
  }

  /** Closes the file descriptors the readers kept open in this thread for the chunks that follow. */
  protected async release(): Promise<void> {
    await closeIdleFiles();
  }
}

/**
 * Resolves processors as {@link resolveProcessor} does, after checking a module reference's code as
 * this thread holds it against the computable's `codes` (what a journal records): its digest when
 * `defineProcessor` made it with its function, or the module as this thread imported it (see
 * `loadedCode`). A module edited after it was loaded fails its elements with E_PROCESSOR_CODE_CHANGED
 * instead of computing old code under the new code's name. Not checked: a reference whose code
 * could not be read when it was defined, and a plain function, whose digest is its own source text
 * (the very function that runs, so it cannot differ).
 */
function checkedResolver(codes: ProcessorCodes): (processor: Processor) => ProcessorFn<unknown, unknown> | Promise<ProcessorFn<unknown, unknown>> {
  return (processor) => {
    if (!isProcessorRef(processor)) return resolveProcessor(processor);
    const expected = codes[`${processor.module}#${processor.exportName}`];
    if (expected === undefined) return resolveProcessor(processor);
    if (processor.fn !== undefined) {
      const defined = definedCode(processor);
      if (defined !== undefined) assertLoadedCode(processor.module, expected, defined);
      return resolveProcessor(processor);
    }
    return loadedCode(processor.module).then((loaded) => {
      assertLoadedCode(processor.module, expected, loaded);
      return resolveProcessor(processor);
    });
  };
}

/**
 * The inline backend: runs work on the calling thread. Accepts plain functions (closures) as
 * processors; the embedded default and the reference for every other backend.
 *
 * @example
 * ```ts
 * import { fromFunction, inline } from 'cortado';
 *
 * await using backend = inline();
 * const squares = fromFunction((x: number) => x * x, Array.from({ length: 100 }, (_, i) => i));
 * const total = await backend.compute(squares).result(); // 328350, typed as number
 * ```
 */
export function inline(options: InlineOptions = {}): BaseBackend {
  return new InlineBackend(options);
}
