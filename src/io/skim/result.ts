import { registerCodec, type Codec } from '../../protocol/codec.ts';
import { DataGroup, Dataset } from '../dataset/dataset.ts';
import type { FileSpec, Metadata } from '../dataset/schema.ts';

/** One skim file: where it is, how many events it holds, and the chunk it came from. */
export interface SkimmedFile {
  /** Path of the written Parquet file. */
  readonly path: string;
  readonly dataset: string;
  /** Events written. */
  readonly entries: number;
  /** The chunk it was selected from: file, tree, entries `[start, stop)`. */
  readonly source: { readonly path: string; readonly treename: string; readonly start: number; readonly stop: number };
}

/** Plain-data form of a {@link SkimResult} (its JSON and what crosses threads). */
export interface SkimResultJSON<M extends object = Metadata> {
  readonly files: readonly SkimmedFile[];
  /** Entries read (selected or not), per dataset. */
  readonly scanned: Readonly<Record<string, number>>;
  /** Each dataset's metadata, carried to the next pass. */
  readonly metadata: Readonly<Record<string, M>>;
}

function byChunk(a: SkimmedFile, b: SkimmedFile): number {
  return a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : a.source.path < b.source.path ? -1 : a.source.path > b.source.path ? 1 : a.source.start - b.source.start;
}

/**
 * What a skim returns: the files it wrote with their entry counts, and what it read. An ordinary
 * mergeable result (`add()`), so it reduces like any other and crosses threads and machines.
 * {@link SkimResult.toDataGroup} makes the input of the next pass. Chunks that selected nothing
 * wrote no file but still count in `scanned`, and their dataset still appears (with its metadata).
 *
 * `M` is the type of the skimmed datasets' metadata (that of the skim's input, see {@link skim}); it
 * carries over to the data group of the next pass, so processors typed `EventsInput<M>` run on it.
 *
 * @example
 * ```ts
 * const written = await backend.compute(group.mapSteps(skimDimuons)).result();
 * const next = toDataGroup(written);            // datasets of the skim files, same metadata (and its type)
 * const hist = await backend.compute(next.mapSteps(fillMass)).result();
 * ```
 */
export class SkimResult<M extends object = Metadata> {
  readonly files: readonly SkimmedFile[];
  readonly scanned: Readonly<Record<string, number>>;
  readonly metadata: Readonly<Record<string, M>>;

  constructor(json: SkimResultJSON<M>) {
    this.files = [...json.files].sort(byChunk);
    this.scanned = json.scanned;
    this.metadata = json.metadata;
  }

  /** Events written, over all files. */
  get entries(): number {
    let n = 0;
    for (const f of this.files) n += f.entries;
    return n;
  }

  /** Both skims together (files of both, entries read added up). */
  add(other: SkimResult<M>): SkimResult<M> {
    const scanned: Record<string, number> = { ...this.scanned };
    for (const [name, n] of Object.entries(other.scanned)) scanned[name] = (scanned[name] ?? 0) + n;
    return new SkimResult({ files: [...this.files, ...other.files], scanned, metadata: { ...this.metadata, ...other.metadata } });
  }

  /**
   * The skim as the input of the next pass: one dataset per skimmed dataset (datasets whose chunks
   * selected nothing included, with no files), each file with its entry count (no preparation
   * needed), and each dataset's metadata as it was (with its type).
   */
  toDataGroup(): DataGroup<M> {
    return new DataGroup<M>({
      datasets: Object.keys(this.metadata)
        .sort()
        .map(
          (name) =>
            new Dataset<M>({
              name,
              metadata: this.metadata[name]!,
              files: this.files
                .filter((f) => f.dataset === name)
                .map((f): FileSpec => ({ path: f.path, treename: 'Events', entries: f.entries, clusters: [0, f.entries] })),
            }),
        ),
    });
  }

  toJSON(): SkimResultJSON<M> {
    return { files: this.files, scanned: this.scanned, metadata: this.metadata };
  }
}

/**
 * The input of the next pass from a skim's result: a {@link SkimResult}, or the record of them
 * per dataset that a data group's computable returns. The metadata type `M` of the skimmed datasets
 * carries over.
 */
export function toDataGroup<M extends object = Metadata>(result: SkimResult<M> | Readonly<Record<string, SkimResult<M>>>): DataGroup<M> {
  if (result instanceof SkimResult) return result.toDataGroup();
  let all: SkimResult<M> | undefined;
  for (const value of Object.values(result)) all = all === undefined ? value : all.add(value);
  return (all ?? new SkimResult<M>({ files: [], scanned: {}, metadata: {} })).toDataGroup();
}

/** Carries a {@link SkimResult} across threads and machines as plain data. */
export const skimResultCodec: Codec<SkimResult> = {
  tag: 'cortado.SkimResult',
  is: (value: unknown): value is SkimResult => value instanceof SkimResult,
  encode: (value) => value.toJSON(),
  decode: (data) => new SkimResult(data as SkimResultJSON),
};

registerCodec(skimResultCodec);
