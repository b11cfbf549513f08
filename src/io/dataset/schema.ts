import { normalize } from 'node:path';
import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';

/** User metadata of a dataset (cross-section, year, sample type…): any JSON-able record. */
export type Metadata = Record<string, unknown>;

/**
 * One file of a dataset: where it is, which tree to read, and (after {@link prepare}) what is in it.
 * Plain JSON-able data.
 */
export interface FileSpec {
  /** Path (or URL) of the ROOT or Parquet file. */
  readonly path: string;
  /** Name of the tree inside the file (`Events` for NanoAOD; ignored for Parquet). */
  readonly treename: string;
  /** Entry ranges `[start, stop)` to process, in the file's own entry numbers (filled by preparation). */
  readonly steps?: ReadonlyArray<readonly [number, number]>;
  /** Number of entries in the tree (filled by preparation). */
  readonly entries?: number;
  /** Stable identity of the file's contents (filled by preparation). */
  readonly uuid?: string;
  /** Cluster (ROOT) or row-group (Parquet) boundaries `[0, …, entries]` (filled by preparation). */
  readonly clusters?: readonly number[];
}

/** A named list of files with metadata. `M` is the metadata's type and flows into processor contexts. */
export interface DatasetSpec<M extends object = Metadata> {
  readonly name: string;
  readonly files: readonly FileSpec[];
  readonly metadata: M;
  /**
   * Files left out by `preprocess(…, { dropMissing: true })` because they could not be prepared:
   * a computable over the dataset lists each in its task's `partial().failed` (code
   * `E_FILE_DROPPED`), so the run ends `incomplete` instead of silently `complete`.
   */
  readonly dropped?: readonly DroppedFile[];
}

/** A file preparation could not open, and why. */
export interface DroppedFile {
  readonly path: string;
  readonly treename: string;
  readonly error: { readonly name: string; readonly code?: string; readonly message: string };
}

/** Several datasets run together; results come back per dataset name. */
export interface DataGroupSpec<M extends object = Metadata> {
  readonly datasets: ReadonlyArray<DatasetSpec<M>>;
  readonly metadata?: Metadata;
}

const entry = z.number().int().min(0);

/** zod schema of a {@link FileSpec}. */
export const fileSchema = z
  .strictObject({
    path: z.string().min(1, 'expected a non-empty path'),
    treename: z.string().min(1, 'expected a non-empty tree name'),
    steps: z.array(z.tuple([entry, entry])).optional(),
    entries: entry.optional(),
    uuid: z.string().optional(),
    clusters: z.array(entry).optional(),
  })
  .superRefine((file, ctx) => {
    for (const [i, [start, stop]] of (file.steps ?? []).entries()) {
      if (stop < start) ctx.addIssue({ code: 'custom', path: ['steps', i], message: `expected start <= stop, got [${start}, ${stop})` });
      if (file.entries !== undefined && stop > file.entries) {
        ctx.addIssue({ code: 'custom', path: ['steps', i], message: `expected a step within the file's ${file.entries} entries, got [${start}, ${stop})` });
      }
    }
  });

/** zod schema of a {@link DatasetSpec}. */
export const datasetSchema = z
  .strictObject({
    name: z.string().min(1, 'expected a non-empty dataset name'),
    files: z.array(fileSchema),
    metadata: z.record(z.string(), z.unknown()).default({}),
    dropped: z
      .array(z.strictObject({ path: z.string(), treename: z.string(), error: z.object({ name: z.string(), code: z.string().optional(), message: z.string() }) }))
      .optional(),
  })
  .superRefine((dataset, ctx) => {
    // The same tree twice would be processed twice: its events counted double, silently.
    const seen = new Set<string>();
    for (const [i, f] of dataset.files.entries()) {
      const id = fileIdentity(f);
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `expected each file once, but "${f.path}" (tree ${f.treename}) comes twice: its events would be counted twice` });
      seen.add(id);
    }
  });

/** What makes two file entries the same tree: the normalised path and the tree name. */
export function fileIdentity(file: { readonly path: string; readonly treename: string }): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(file.path) ? file.path : normalize(file.path);
  return `${path}\u0000${file.treename}`;
}

/** zod schema of a {@link DataGroupSpec}; dataset names must be unique (results are keyed by them). */
export const dataGroupSchema = z
  .strictObject({
    datasets: z.array(datasetSchema),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((group, ctx) => {
    const seen = new Set<string>();
    for (const [i, d] of group.datasets.entries()) {
      if (seen.has(d.name)) {
        ctx.addIssue({ code: 'custom', path: ['datasets', i, 'name'], message: `expected unique dataset names, but "${d.name}" comes twice` });
      }
      seen.add(d.name);
    }
  });

function parseWith<T>(schema: z.ZodType, what: string, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid ${what}: ${formatIssues(what, parsed.error, input)}`);
  return parsed.data as T;
}

/** Validates a file description; the error names each bad field and what it held. */
export function parseFile(input: unknown, what = 'file'): FileSpec {
  return parseWith<FileSpec>(fileSchema, what, input);
}

/** Validates a dataset description. */
export function parseDataset(input: unknown, what = 'dataset'): DatasetSpec {
  return parseWith<DatasetSpec>(datasetSchema, what, input);
}

/** Validates a data group description. */
export function parseDataGroup(input: unknown, what = 'dataGroup'): DataGroupSpec {
  return parseWith<DataGroupSpec>(dataGroupSchema, what, input);
}
