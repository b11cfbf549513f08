import type { Computable } from '../../protocol/computable.ts';
import type { Processor } from '../../protocol/processor.ts';
import type { EventsInput, FileGroupInput, FileInput } from './context.ts';
import { mapFiles, mapFilesBy, type FileGrouping } from './map-files.ts';
import { mapSteps } from './map-steps.ts';
import type { MapStepsOptionsInput } from './options.ts';
import { parseDataGroup, parseDataset, parseFile, type DataGroupSpec, type DatasetSpec, type DroppedFile, type FileSpec, type Metadata } from './schema.ts';

/** A file as a user may write it: its path (tree `Events`) or a full description. */
export type FileLike = string | FileSpec;

/**
 * A named list of files with typed metadata, and the computables over them. Plain data underneath:
 * `JSON.stringify(dataset)` gives its {@link DatasetSpec}. Made by {@link dataset}.
 */
export class Dataset<M extends object = Metadata, N extends string = string> implements DatasetSpec<M> {
  readonly name: N;
  readonly files: readonly FileSpec[];
  readonly metadata: M;
  readonly dropped?: readonly DroppedFile[];

  constructor(spec: DatasetSpec<M>) {
    this.name = spec.name as N;
    this.files = spec.files;
    this.metadata = spec.metadata;
    if (spec.dropped !== undefined && spec.dropped.length > 0) this.dropped = spec.dropped;
  }

  /** Runs `processor` over steps of the files; see {@link mapSteps}. */
  mapSteps<R>(processor: Processor<EventsInput<M>, R>, options?: MapStepsOptionsInput): Computable<Awaited<R>> {
    return mapSteps(this, processor, options);
  }

  /** One element per file; see {@link mapFiles}. */
  mapFiles<R>(fn: Processor<FileInput<M>, R>): Computable<Awaited<R>> {
    return mapFiles(this, fn);
  }

  /** One element per group of files; see {@link mapFilesBy}. */
  mapFilesBy<R>(fn: Processor<FileGroupInput<M>, R>, by: FileGrouping<M>): Computable<Record<string, Awaited<R>>> {
    return mapFilesBy(this, fn, by);
  }

  /** The same dataset with other files (e.g. prepared ones). */
  withFiles(files: readonly FileSpec[]): Dataset<M, N> {
    return new Dataset<M, N>({ name: this.name, files, metadata: this.metadata, ...(this.dropped === undefined ? {} : { dropped: this.dropped }) });
  }

  toJSON(): DatasetSpec<M> {
    return { name: this.name, files: this.files, metadata: this.metadata, ...(this.dropped === undefined ? {} : { dropped: this.dropped }) };
  }
}

/** Several datasets run together; results come back keyed by dataset name. Made by {@link dataGroup}. */
export class DataGroup<M extends object = Metadata, N extends string = string> implements DataGroupSpec<M> {
  readonly datasets: ReadonlyArray<Dataset<M, N>>;
  readonly metadata?: Metadata;

  constructor(spec: DataGroupSpec<M>) {
    this.datasets = spec.datasets.map((d) => (d instanceof Dataset ? (d as Dataset<M, N>) : new Dataset<M, N>(d)));
    if (spec.metadata !== undefined) this.metadata = spec.metadata;
  }

  /** The dataset called `name`, or `undefined`. */
  dataset(name: N): Dataset<M, N> | undefined {
    return this.datasets.find((d) => d.name === name);
  }

  /** Runs `processor` over steps of every dataset's files; the result is keyed by dataset name. */
  mapSteps<R>(processor: Processor<EventsInput<M>, R>, options?: MapStepsOptionsInput): Computable<Record<N, Awaited<R>>> {
    return mapSteps(this, processor, options) as Computable<Record<N, Awaited<R>>>;
  }

  /** One element per file; the result is keyed by dataset name. */
  mapFiles<R>(fn: Processor<FileInput<M>, R>): Computable<Record<N, Awaited<R>>> {
    return mapFiles(this, fn) as Computable<Record<N, Awaited<R>>>;
  }

  /** One element per group of files; the result is keyed by group key. */
  mapFilesBy<R>(fn: Processor<FileGroupInput<M>, R>, by: FileGrouping<M>): Computable<Record<string, Awaited<R>>> {
    return mapFilesBy(this, fn, by);
  }

  toJSON(): DataGroupSpec<M> {
    return this.metadata === undefined ? { datasets: this.datasets.map((d) => d.toJSON()) } : { datasets: this.datasets.map((d) => d.toJSON()), metadata: this.metadata };
  }
}

/**
 * Makes a dataset: a name, its files (paths or `{ path, treename, … }`), and metadata whose type
 * flows into processor contexts. Validates everything; a bad field is named in the error.
 *
 * @example
 * ```ts
 * const dy = dataset('DYJets', ['data/nano_dy.root'], { xsec: 6077.2, isData: false });
 * dy.mapSteps(({ events, context }) => context.metadata.xsec * events.length); // xsec is a number
 * ```
 */
export function dataset<M extends object = Metadata, const N extends string = string>(name: N, files: readonly FileLike[], metadata?: M): Dataset<M, N> {
  const spec = parseDataset({
    name,
    files: files.map((f) => (typeof f === 'string' ? { path: f, treename: 'Events' } : f)),
    metadata: metadata ?? {},
  });
  return new Dataset<M, N>({ name: spec.name, files: spec.files, metadata: spec.metadata as M });
}

/**
 * Makes a data group of datasets (dataset names must be unique). Its metadata type is the union of
 * the datasets' ones.
 *
 * @example
 * ```ts
 * const group = dataGroup([dy, ttbar], { era: '2016' });
 * const c = group.mapSteps(process); // result: { DYJets: …, TTbar: … }
 * ```
 */
export function dataGroup<D extends Dataset<any, string>>(
  datasets: readonly D[],
  metadata?: Metadata,
): DataGroup<D extends Dataset<infer M, string> ? M : never, D['name']> {
  const spec = parseDataGroup({ datasets: datasets.map((d) => d.toJSON()), ...(metadata === undefined ? {} : { metadata }) });
  type M = D extends Dataset<infer X, string> ? X : never;
  return new DataGroup<M, D['name']>({
    datasets: datasets.map((d, i) => new Dataset<M, D['name']>({ name: d.name, files: spec.datasets[i]!.files, metadata: d.metadata as M })),
    ...(spec.metadata === undefined ? {} : { metadata: spec.metadata }),
  });
}

/**
 * Describes one file; validates it.
 *
 * @example
 * ```ts
 * file('nano_dy.root', 'Events', { entries: 40 });
 * ```
 */
export function file(path: string, treename = 'Events', extra: Omit<FileSpec, 'path' | 'treename'> = {}): FileSpec {
  return parseFile({ path, treename, ...extra });
}
