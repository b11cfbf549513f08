import { readFile, writeFile } from 'node:fs/promises';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { DataGroup, Dataset } from './dataset.ts';
import { parseDataGroup, parseDataset, type DataGroupSpec, type DatasetSpec, type Metadata } from './schema.ts';

/** Options of the JSON savers. */
export interface SaveOptions {
  /** Indentation of the JSON text. @defaultValue 2 */
  indent?: number;
  signal?: AbortSignal;
}

function toText(value: unknown, indent: number): string {
  return `${JSON.stringify(value, null, indent)}\n`;
}

async function readJson(path: string, signal?: AbortSignal): Promise<unknown> {
  const text = await readFile(path, { encoding: 'utf8', ...(signal === undefined ? {} : { signal }) });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidOptionsError(`Expected ${path} to hold JSON, got text that does not parse (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Writes a data group (or one dataset, as a group of one) as JSON.
 *
 * @example
 * ```ts
 * await saveDataGroup('prepared.json', await preprocess(backend, group));
 * ```
 */
export async function saveDataGroup(path: string, group: DataGroupSpec<object> | DatasetSpec<object>, options: SaveOptions = {}): Promise<void> {
  const value = 'datasets' in group ? group : { datasets: [group] };
  const spec = parseDataGroup(JSON.parse(JSON.stringify(value)) as unknown, 'dataGroup');
  await writeFile(path, toText(spec, options.indent ?? 2), { encoding: 'utf8', ...(options.signal === undefined ? {} : { signal: options.signal }) });
}

/**
 * Reads a data group saved by {@link saveDataGroup} (a file holding one dataset is read as a group of
 * one). Validation errors name the field and what it held: `dataGroup.datasets.0.files.2.entries: …`.
 *
 * @example
 * ```ts
 * const group = await loadDataGroup('prepared.json');
 * ```
 */
export async function loadDataGroup<M extends object = Metadata>(path: string, options: { signal?: AbortSignal } = {}): Promise<DataGroup<M>> {
  const json = await readJson(path, options.signal);
  const value = json !== null && typeof json === 'object' && !('datasets' in json) && 'files' in json ? { datasets: [json] } : json;
  try {
    return new DataGroup(parseDataGroup(value, 'dataGroup') as DataGroupSpec<M>);
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new InvalidOptionsError(`${error.message} (in ${path})`, { cause: error });
    throw error;
  }
}

/** Writes one dataset as JSON. */
export async function saveDataset(path: string, dataset: DatasetSpec<object>, options: SaveOptions = {}): Promise<void> {
  const spec = parseDataset(JSON.parse(JSON.stringify(dataset)) as unknown);
  await writeFile(path, toText(spec, options.indent ?? 2), { encoding: 'utf8', ...(options.signal === undefined ? {} : { signal: options.signal }) });
}

/** Reads one dataset saved by {@link saveDataset}. */
export async function loadDataset<M extends object = Metadata>(path: string, options: { signal?: AbortSignal } = {}): Promise<Dataset<M>> {
  const json = await readJson(path, options.signal);
  try {
    return new Dataset(parseDataset(json) as DatasetSpec<M>);
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new InvalidOptionsError(`${error.message} (in ${path})`, { cause: error });
    throw error;
  }
}
