import type { Failure } from '../../protocol/task.ts';
import { FileDroppedError } from './errors.ts';
import type { ChunkSizeFor, Computable, StepGenerator, WorkElement } from '../../protocol/computable.ts';
import { defineProcessor, isProcessorRef, type Processor } from '../../protocol/processor.ts';
import { RangeSet, type Range } from '../../protocol/range.ts';
import type { EventsInput } from './context.ts';
import { EventsData } from './events-data.ts';
import { withColumnFallback } from './fallback.ts';
import { processorIdentity, processorName, stableHash } from './key.ts';
import { processorCodes, type ProcessorCodes } from '../../protocol/processor-code.ts';
import { resolveMapStepsOptions, type MapStepsOptions, type MapStepsOptionsInput } from './options.ts';
import { makeTilers, planFiles, traverse, type FilePlan } from './plan.ts';
import type { DataGroupSpec, DatasetSpec, Metadata } from './schema.ts';
import { intersect } from './tiler.ts';

/**
 * A computable that runs `processor` over steps (entry ranges) of every file of a dataset.
 *
 * The index space is the files' entries one after another: file k occupies
 * `[offset_k, offset_k + entries_k)`, so ranges count events. Files must know their `entries`
 * (run `preprocess()` first), else this throws `DatasetNotPreparedError`. The generator honours a
 * chunk size sent with `gen.next(n)` by cutting everything not yet yielded into steps of `n`, and
 * `restrict(ranges)` re-tiles exactly `ranges` (what `partial().remaining()` uses).
 *
 * The processor receives `{ events, context }`, where `context` holds the dataset's name and typed
 * metadata, the file, and the entry range within the file.
 *
 * @example
 * ```ts
 * const ds = dataset('DY', [{ path: 'nano_dy.root', treename: 'Events', entries: 40 }], { xsec: 6077 });
 * const c = mapSteps(ds, ({ events, context }) => events.length * context.metadata.xsec, { stepSize: 10 });
 * const { result } = await inline().run(c);
 * ```
 */
export function mapSteps<M extends object, R>(
  data: DatasetSpec<M>,
  processor: Processor<EventsInput<M>, R>,
  options?: MapStepsOptionsInput,
): Computable<Awaited<R>>;
/**
 * Over a data group: one computable over every dataset's files, `grouped`, with each element's
 * `group` set to its dataset's name, so the result is a record keyed by dataset name.
 */
export function mapSteps<M extends object, R>(
  data: DataGroupSpec<M>,
  processor: Processor<EventsInput<M>, R>,
  options?: MapStepsOptionsInput,
): Computable<Record<string, Awaited<R>>>;
export function mapSteps(
  data: DatasetSpec<object> | DataGroupSpec<object>,
  processor: Processor<EventsInput<any>, unknown>,
  input: MapStepsOptionsInput = {},
): Computable<unknown> {
  const options = resolveMapStepsOptions(input);
  const grouped = 'datasets' in data;
  const datasets = grouped ? data.datasets : [data];
  const plans = planFiles(datasets, options);
  const size = plans.reduce((n, p) => n + p.extent, 0);
  // Where outputs go does not change what is computed: a moved skim folder resumes the same run.
  const { output: _output, ...keyed } = options;
  const key = `mapSteps(${processorName(processor)})#${stableHash({
    processor: processorIdentity(processor),
    files: datasets.map((d) => ({ name: d.name, files: d.files })),
    options: { ...keyed, columns: options.columns ?? null },
    grouped,
  })}`;
  const columns = options.columns ?? (isProcessorRef(processor) ? processor.options.columns : undefined);
  // Functions (and references, where run in this realm through their `fn`) reload a chunk in place
  // when they touch a column it did not read; in a worker, a reference relies on the runtime's retry.
  const run =
    typeof processor === 'function'
      ? withColumnFallback(processor)
      : processor.fn === undefined
        ? processor
        : defineProcessor(processor.module, processor.exportName, withColumnFallback(processor.fn), processor.options);
  const skipped = datasets.flatMap((d) =>
    (d.dropped ?? []).map((f): Failure => ({
      range: [0, 0],
      error: new FileDroppedError(d.name, f.path, f.treename, f.error),
      attempts: 0,
      ...(grouped ? { group: d.name } : {}),
    })),
  );
  return stepsComputable({ plans, size, key, code: processorCodes(processor), options, columns, processor: run, grouped, skipped }, undefined, '');
}

interface StepsSetup {
  readonly plans: readonly FilePlan[];
  readonly size: number;
  readonly key: string;
  readonly code: ProcessorCodes | undefined;
  readonly options: MapStepsOptions;
  readonly columns: readonly string[] | undefined;
  readonly processor: Processor<EventsInput<any>, unknown>;
  readonly grouped: boolean;
  readonly skipped: readonly Failure[];
}

function stepsComputable(setup: StepsSetup, segments: ReadonlyArray<readonly Range[]> | undefined, suffix: string): Computable<unknown> {
  const { plans, size, key, code, options, columns, processor, grouped } = setup;
  return {
    key: key + suffix,
    size,
    grouped,
    ...(code === undefined ? {} : { code }),
    // Each dataset's files are contiguous in the index space, so a dataset is one range; a
    // restricted computable hands out only the datasets it covers whole (a resumed run's late files).
    ...(grouped ? { groups: segments === undefined ? groupRanges(plans) : wholeGroups(plans, segments) } : {}),
    // Files preparation dropped are reported by the whole computable (a restricted one, e.g.
    // `remaining()`, covers ranges only and does not report them again).
    ...(segments === undefined && setup.skipped.length > 0 ? { skipped: setup.skipped } : {}),
    *steps(sizeFor?: ChunkSizeFor): StepGenerator<unknown> {
      /**
       * An element of `plan`'s file covering its entries `step`. It splits in halves of its entry
       * range, down to one entry; the runtime decides how deep (`splitDepth`) when the element runs
       * out of memory or time.
       */
      const makeElement = (plan: FilePlan, step: readonly [number, number]): WorkElement<unknown> => ({
        range: [plan.offset + step[0], plan.offset + step[1]],
        data: new EventsData({
          path: plan.file.path,
          treename: plan.file.treename,
          start: step[0],
          stop: step[1],
          dataset: plan.dataset.name,
          metadata: plan.dataset.metadata as Metadata,
          memory: key,
          ...(options.output === undefined ? {} : { output: options.output }),
          ...(plan.file.uuid === undefined ? {} : { uuid: plan.file.uuid }),
          ...(plan.file.entries === undefined ? {} : { fileEntries: plan.file.entries }),
          ...(columns === undefined ? {} : { columns }),
        }),
        processor,
        entries: step[1] - step[0],
        ...(grouped ? { group: plan.dataset.name } : {}),
        split() {
          if (step[1] - step[0] < 2) return undefined;
          const middle = step[0] + Math.floor((step[1] - step[0]) / 2);
          return [makeElement(plan, [step[0], middle]), makeElement(plan, [middle, step[1]])] as const;
        },
      });
      const walk = traverse(
        makeTilers(plans, options, segments),
        options,
        sizeFor === undefined ? undefined : (i) => sizeFor(grouped ? plans[i]!.dataset.name : undefined),
      );
      let sent: number | undefined;
      for (;;) {
        const next = walk.next(sent);
        if (next.done) return;
        const { index, step } = next.value;
        const element = makeElement(plans[index]!, step);
        sent = yield element;
      }
    },
    restrict(ranges: readonly Range[]): Computable<unknown> {
      const wanted = new RangeSet(ranges).toArray();
      // Local ranges of each file, inside what this computable already covers (when restricted).
      const local = plans.map((p, i) => {
        const mine = intersect(wanted, [p.offset, p.offset + p.extent]).map(([a, b]): Range => [a - p.offset, b - p.offset]);
        const current = segments?.[i];
        return current === undefined ? mine : mine.flatMap((r) => intersect(current, r));
      });
      const tag = wanted.map(([a, b]) => `${a}-${b}`).join(',');
      return stepsComputable(setup, local, `${suffix}#restricted(${tag.length > 200 ? stableHash(wanted) : tag})`);
    },
  };
}

/** Whether file `i`'s segments cover all of its extent. */
function wholeInside(plans: readonly FilePlan[], segments: ReadonlyArray<readonly Range[]>, i: number): boolean {
  const covered = (segments[i] ?? []).reduce((n, [a, b]) => n + (b - a), 0);
  return covered === plans[i]!.extent;
}

/** The datasets whose every file is whole inside `segments`, with their ranges. */
function wholeGroups(plans: readonly FilePlan[], segments: ReadonlyArray<readonly Range[]>): Array<{ name: string; range: Range }> {
  const partial = new Set(plans.filter((_, i) => !wholeInside(plans, segments, i)).map((p) => p.dataset.name));
  return groupRanges(plans).filter((g) => !partial.has(g.name));
}

/** The range of the index space each dataset occupies. */
function groupRanges(plans: readonly FilePlan[]): Array<{ name: string; range: Range }> {
  const ranges = new Map<string, [number, number]>();
  for (const plan of plans) {
    const range = ranges.get(plan.dataset.name);
    const stop = plan.offset + plan.extent;
    if (range === undefined) ranges.set(plan.dataset.name, [plan.offset, stop]);
    else range[1] = Math.max(range[1], stop);
  }
  return [...ranges].map(([name, range]) => ({ name, range }));
}
