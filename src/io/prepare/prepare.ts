import { fromFunction, type Computable } from '../../protocol/computable.ts';
import { stableHash } from '../dataset/key.ts';
import type { DataGroupSpec, DatasetSpec, FileSpec } from '../dataset/schema.ts';
import { describeFile, type DescribeFileInput, type Preparation } from './describe-file.ts';

/** The files of a dataset or group, in order. */
export function filesOf(data: DatasetSpec<object> | DataGroupSpec<object>): FileSpec[] {
  return ('datasets' in data ? data.datasets : [data]).flatMap((d) => [...d.files]);
}

/**
 * The key of each file in a {@link Preparation}: its path, or `path#treename` when the same path is
 * listed with more than one tree.
 */
export function preparationKey(file: FileSpec, all: readonly FileSpec[]): string {
  const shared = all.some((f) => f.path === file.path && f.treename !== file.treename);
  return shared ? `${file.path}#${file.treename}` : file.path;
}

/** The key of each element of `prepare(data)`, in order: element `i` opens the file of key `i`. */
export function preparationKeys(data: DatasetSpec<object> | DataGroupSpec<object>): string[] {
  const files = filesOf(data);
  return [...new Set(files.map((f) => preparationKey(f, files)))];
}

/**
 * A computable that opens each file (once, even if listed twice) and learns its entries, cluster
 * boundaries and uuid. Its result is a record keyed by file path; give it to `applyPreparation`, or
 * use `preprocess()`, which does both. Runs on any backend: one element per file, index `i` = file `i`.
 *
 * @example
 * ```ts
 * const info = await backend.compute(prepare(group)).result();
 * // { '/data/nano_dy.root': { entries: 40, clusters: [0, 40], uuid: '…' } }
 * ```
 */
export function prepare(data: DatasetSpec<object> | DataGroupSpec<object>): Computable<Preparation> {
  const files = filesOf(data);
  const inputs = new Map<string, DescribeFileInput>();
  for (const file of files) {
    const key = preparationKey(file, files);
    if (!inputs.has(key)) inputs.set(key, { key, path: file.path, treename: file.treename });
  }
  const list = [...inputs.values()];
  return fromFunction(describeFile, list, { key: `prepare#${stableHash(list)}` });
}
