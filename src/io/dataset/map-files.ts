import type { Computable, StepGenerator } from '../../protocol/computable.ts';
import { ValueData } from '../../protocol/data.ts';
import type { Processor } from '../../protocol/processor.ts';
import { processorCodes } from '../../protocol/processor-code.ts';
import { RangeSet, type Range } from '../../protocol/range.ts';
import { contextFile, type FileGroupInput, type FileInput } from './context.ts';
import { processorIdentity, processorName, stableHash } from './key.ts';
import type { DataGroupSpec, DatasetSpec, FileSpec } from './schema.ts';

function datasetsOf(data: DatasetSpec<object> | DataGroupSpec<object>): ReadonlyArray<DatasetSpec<object>> {
  return 'datasets' in data ? data.datasets : [data];
}

function fileInput<M extends object>(dataset: DatasetSpec<M>, file: FileSpec): FileInput<M> {
  return { file, context: { dataset: dataset.name, file: contextFile(file), metadata: dataset.metadata } };
}

/** Index `i` of `inputs` is the range `[i, i + 1)`; restrict keeps just the wanted indices. */
function indexed<R>(key: string, inputs: ReadonlyArray<{ input: unknown; group?: string }>, processor: Processor, grouped: boolean, wanted?: RangeSet, code = processorCodes(processor)): Computable<R> {
  return {
    key,
    size: inputs.length,
    grouped,
    ...(code === undefined ? {} : { code }),
    *steps(): StepGenerator<R> {
      for (let i = 0; i < inputs.length; i++) {
        if (wanted !== undefined && !wanted.has(i)) continue;
        const { input, group } = inputs[i]!;
        yield {
          range: [i, i + 1],
          data: new ValueData(input),
          processor: processor as Processor<any, R>,
          ...(grouped && group !== undefined ? { group } : {}),
        };
      }
    },
    restrict(ranges: readonly Range[]): Computable<R> {
      const subset = new RangeSet(ranges);
      const both = wanted === undefined ? subset : new RangeSet(subset.toArray().flatMap((r) => wanted.toArray().flatMap((w) => {
        const a = Math.max(r[0], w[0]);
        const b = Math.min(r[1], w[1]);
        return b > a ? [[a, b] as Range] : [];
      })));
      return indexed(`${key}#restricted(${stableHash(both.toArray())})`, inputs, processor, grouped, both, code);
    },
  };
}

/**
 * A computable with one element per file: `fn` receives `{ file, context }` (the file's description
 * and its dataset's name and metadata) and opens the file itself if it needs to. The index space is
 * the file number (file `i` is `[i, i + 1)`, files of a group's datasets one after another). Over a
 * data group the result is a record keyed by dataset name.
 *
 * @example
 * ```ts
 * const sizes = mapFiles(ds, async ({ file }) => ({ [file.path]: (await stat(file.path)).size }));
 * ```
 */
export function mapFiles<M extends object, R>(data: DatasetSpec<M>, fn: Processor<FileInput<M>, R>): Computable<Awaited<R>>;
export function mapFiles<M extends object, R>(data: DataGroupSpec<M>, fn: Processor<FileInput<M>, R>): Computable<Record<string, Awaited<R>>>;
export function mapFiles(data: DatasetSpec<object> | DataGroupSpec<object>, fn: Processor<FileInput<any>, unknown>): Computable<unknown> {
  const grouped = 'datasets' in data;
  const inputs = datasetsOf(data).flatMap((d) => d.files.map((f) => ({ input: fileInput(d, f), group: d.name })));
  const key = `mapFiles(${processorName(fn)})#${stableHash({ fn: processorIdentity(fn), files: inputs.map((i) => i.input), grouped })}`;
  return indexed(key, inputs, fn, grouped);
}

/** How `mapFilesBy` groups files: a metadata key of their dataset, or a function of file and dataset. */
export type FileGrouping<M extends object> = (keyof M & string) | ((file: FileSpec, dataset: DatasetSpec<M>) => string);

/**
 * A computable with one element per group of files: files are grouped by a metadata key of their
 * dataset (`'year'`) or by a function, and `fn` receives `{ key, files }` for each group. The result
 * is a record keyed by group key (`grouped: true`); the index space is the group number, in order of
 * first appearance.
 *
 * @example
 * ```ts
 * const perYear = mapFilesBy(group, ({ key, files }) => files.length, 'year'); // { '2016': 3, '2017': 5 }
 * ```
 */
export function mapFilesBy<M extends object, R>(
  data: DatasetSpec<M> | DataGroupSpec<M>,
  fn: Processor<FileGroupInput<M>, R>,
  by: FileGrouping<M>,
): Computable<Record<string, Awaited<R>>> {
  const groups = new Map<string, Array<FileInput<M>>>();
  for (const dataset of datasetsOf(data) as ReadonlyArray<DatasetSpec<M>>) {
    for (const file of dataset.files) {
      const key = typeof by === 'function' ? by(file, dataset) : String((dataset.metadata as Record<string, unknown>)[by]);
      let list = groups.get(key);
      if (list === undefined) groups.set(key, (list = []));
      list.push(fileInput(dataset, file));
    }
  }
  const inputs = [...groups].map(([key, files]) => ({ input: { key, files } satisfies FileGroupInput<M>, group: key }));
  const byName = typeof by === 'function' ? `fn:${by.toString()}` : `key:${by}`;
  const key = `mapFilesBy(${processorName(fn)})#${stableHash({ fn: processorIdentity(fn), by: byName, inputs: inputs.map((i) => i.input) })}`;
  return indexed(key, inputs, fn, true);
}
