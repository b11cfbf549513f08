import type { Computable } from '../../protocol/computable.ts';
import type { Processor } from '../../protocol/processor.ts';
import type { EventsInput, FileGroupInput, FileInput } from './context.ts';
import { mapFiles, mapFilesBy, type FileGrouping } from './map-files.ts';
import { mapSteps } from './map-steps.ts';
import type { MapStepsOptionsInput } from './options.ts';
import { parseDataGroup, parseDataset, parseFile, type DataGroupSpec, type DatasetSpec, type FileSpec, type Metadata } from './schema.ts';

/** A file as a user may write it: its path (tree `Events`) or a full description. */
export type FileLike = string | FileSpec;

/**
 * A named list of files with typed metadata, and the computables over them. Plain data underneath:
 * `JSON.stringify(dataset)` gives its {@link DatasetSpec}. Made by {@link dataset}.
 */
export class Dataset<M extends object = Metadata> implements DatasetSpec<M> {
  readonly name: string;
  readonly files: readonly FileSpec[];
  readonly metadata: M;

  constructor(spec: DatasetSpec<M>) {
    this.name = spec.name;
    this.files = spec.files;
    this.metadata = spec.metadata;
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
  withFiles(files: readonly FileSpec[]): Dataset<M> {
    return new Dataset({ name: this.name, files, metadata: this.metadata });
  }

  toJSON(): DatasetSpec<M> {
    return { name: this.name, files: this.files, metadata: this.metadata };
  }
}

/** Several datasets run together; results come back keyed by dataset name. Made by {@link dataGroup}. */
export class DataGroup<M extends object = Metadata> implements DataGroupSpec<M> {
  readonly datasets: ReadonlyArray<Dataset<M>>;
  readonly metadata?: Metadata;

  constructor(spec: DataGroupSpec<M>) {
    this.datasets = spec.datasets.map((d) => (d instanceof Dataset ? d : new Dataset(d)));
    if (spec.metadata !== undefined) this.metadata = spec.metadata;
  }

  /** The dataset called `name`, or `undefined`. */
  dataset(name: string): Dataset<M> | undefined {
    return this.datasets.find((d) => d.name === name);
  }

  /** Runs `processor` over steps of every dataset's files; the result is keyed by dataset name. */
  mapSteps<R>(processor: Processor<EventsInput<M>, R>, options?: MapStepsOptionsInput): Computable<Record<string, Awaited<R>>> {
    return mapSteps(this, processor, options);
  }

  /** One element per file; the result is keyed by dataset name. */
  mapFiles<R>(fn: Processor<FileInput<M>, R>): Computable<Record<string, Awaited<R>>> {
    return mapFiles(this, fn);
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
export function dataset<M extends object = Metadata>(name: string, files: readonly FileLike[], metadata?: M): Dataset<M> {
  const spec = parseDataset({
    name,
    files: files.map((f) => (typeof f === 'string' ? { path: f, treename: 'Events' } : f)),
    metadata: metadata ?? {},
  });
  return new Dataset({ name: spec.name, files: spec.files, metadata: spec.metadata as M });
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
export function dataGroup<D extends Dataset<any>>(datasets: readonly D[], metadata?: Metadata): DataGroup<D extends Dataset<infer M> ? M : never> {
  const spec = parseDataGroup({ datasets: datasets.map((d) => d.toJSON()), ...(metadata === undefined ? {} : { metadata }) });
  type M = D extends Dataset<infer X> ? X : never;
  return new DataGroup<M>({
    datasets: datasets.map((d, i) => new Dataset<M>({ name: d.name, files: spec.datasets[i]!.files, metadata: d.metadata as M })),
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
