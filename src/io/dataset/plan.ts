import type { Range } from '../../protocol/range.ts';
import { DatasetNotPreparedError, DuplicateFileError } from './errors.ts';
import type { MapStepsOptions } from './options.ts';
import { fileIdentity, type DatasetSpec, type FileSpec } from './schema.ts';
import { DEFAULT_STEP_SIZE } from './options.ts';
import { FileTiler } from './tiler.ts';

/**
 * Where one file sits in a computable's index space: its entries `[0, extent)` occupy
 * `[offset, offset + extent)`.
 */
export interface FilePlan {
  readonly dataset: DatasetSpec<object>;
  readonly file: FileSpec;
  readonly offset: number;
  /** Entries of the file in the index space (all of them, or fewer under `maxChunks`). */
  readonly extent: number;
}

/** Entries of a file, from `entries` or its prepared steps; throws when it has neither. */
export function fileEntries(dataset: DatasetSpec<object>, file: FileSpec): number {
  if (file.entries !== undefined) return file.entries;
  if (file.steps !== undefined) return file.steps.reduce((max, s) => Math.max(max, s[1]), 0);
  throw new DatasetNotPreparedError(dataset.name, file.path);
}

/** A tiler per plan over `segments` (local ranges; the whole file when left out). */
export function makeTilers(plans: readonly FilePlan[], options: MapStepsOptions, segments?: ReadonlyArray<readonly Range[]>): FileTiler[] {
  return plans.map(
    (p, i) =>
      new FileTiler(segments?.[i] ?? [[0, p.extent]], options.stepSize === undefined ? p.file.steps : undefined, p.file.clusters),
  );
}

/**
 * Walks tilers in depth (file by file) or breadth (one step of each file per round) order. A number
 * sent with `next(n)` becomes the step size for everything not yet yielded; `sizeFor(i)`, when it
 * answers, sets the size of the next step of file `i` alone.
 */
export function* traverse(
  tilers: readonly FileTiler[],
  options: MapStepsOptions,
  sizeFor?: (index: number) => number | undefined,
): Generator<{ index: number; step: [number, number] }, void, number | undefined> {
  let size = options.stepSize ?? DEFAULT_STEP_SIZE;
  const take = function* (i: number): Generator<{ index: number; step: [number, number] }, boolean, number | undefined> {
    // The runtime's chunk sizer may ask for a size per dataset, before each step is cut.
    const asked = sizeFor?.(i);
    const want = typeof asked === 'number' && Number.isFinite(asked) && asked >= 1 ? Math.floor(asked) : undefined;
    if (want !== undefined) tilers[i]!.retile();
    const step = tilers[i]!.next(want ?? size, options.alignClusters);
    if (step === undefined) return false;
    const sent = yield { index: i, step };
    if (typeof sent === 'number' && Number.isFinite(sent) && sent >= 1) {
      size = Math.floor(sent);
      for (const t of tilers) t.retile();
    }
    return true;
  };
  if (options.traversal === 'depth') {
    for (let i = 0; i < tilers.length; i++) while (yield* take(i));
    return;
  }
  let active = tilers.map((_, i) => i);
  while (active.length > 0) {
    const next: number[] = [];
    for (const i of active) if (yield* take(i)) next.push(i);
    active = next.filter((i) => !tilers[i]!.done);
  }
}

/**
 * Lays out the files of `datasets` one after another. Under `maxChunks`, each dataset keeps just the
 * entries of its first `maxChunks` steps (a prefix of each file, whatever the traversal).
 */
export function planFiles(datasets: ReadonlyArray<DatasetSpec<object>>, options: MapStepsOptions): FilePlan[] {
  const plans: FilePlan[] = [];
  let offset = 0;
  for (const dataset of datasets) {
    const seen = new Set<string>();
    for (const file of dataset.files) {
      const id = fileIdentity(file);
      if (seen.has(id)) throw new DuplicateFileError(dataset.name, file.path, file.treename);
      seen.add(id);
    }
    const full = dataset.files.map((file) => ({ dataset, file, offset: 0, extent: fileEntries(dataset, file) }));
    const extents = options.maxChunks === undefined ? full.map((p) => p.extent) : limitedExtents(full, options, options.maxChunks);
    full.forEach((p, i) => {
      const extent = extents[i]!;
      plans.push({ dataset, file: p.file, offset, extent });
      offset += extent;
    });
  }
  return plans;
}

function limitedExtents(plans: readonly FilePlan[], options: MapStepsOptions, maxChunks: number): number[] {
  const extents = plans.map(() => 0);
  let count = 0;
  for (const { index, step } of traverse(makeTilers(plans, options), options)) {
    if (count++ >= maxChunks) break;
    extents[index] = Math.max(extents[index]!, step[1]);
  }
  return extents;
}
