import { defineProcessor } from '../../protocol/processor.ts';
import { openSource } from '../open.ts';

/** What preparation learns about one file. */
export interface FileInfo {
  /** Entries in the tree. */
  readonly entries: number;
  /** Cluster (ROOT) or row-group (Parquet) boundaries `[0, …, entries]`. */
  readonly clusters: number[];
  /** Stable identity of the file's contents. */
  readonly uuid: string;
}

/** The result of `prepare()`: what was learnt, keyed by file (its path; see `preparationKeys`). */
export type Preparation = Record<string, FileInfo>;

/** What {@link describeFile} receives: one file to open, and the key its answer goes under. */
export interface DescribeFileInput {
  readonly key: string;
  readonly path: string;
  readonly treename: string;
}

/**
 * Opens one file and reports its entries, cluster boundaries and uuid, as `{ [key]: info }` so that
 * the answers of many files merge into one record. A processor reference, so it runs on every backend.
 */
export const describeFile = defineProcessor(import.meta.url, 'describeFile', async (input: DescribeFileInput): Promise<Preparation> => {
  const source = await openSource(input.path, input.treename);
  try {
    return { [input.key]: { entries: source.entries, clusters: [...source.clusters], uuid: source.uuid } };
  } finally {
    await source.close();
  }
});
