import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { InvalidOptionsError } from '../../protocol/errors.ts';
import { formatIssues } from '../../protocol/policy.ts';
import { DataGroup } from './dataset.ts';
import { parseDataGroup, type FileSpec, type Metadata } from './schema.ts';

/** Options of {@link fromCoffeaFileset}. */
export interface CoffeaFilesetOptions {
  /** Directory that relative file paths are resolved against. @defaultValue paths are kept as written */
  baseDir?: string;
  /** Tree name of files listed without one. @defaultValue 'Events' */
  treename?: string;
}

const entry = z.number().int().min(0);
// coffea's preprocessed form: { object_path, steps, num_entries, uuid }.
const preparedFile = z.looseObject({
  object_path: z.string().optional(),
  steps: z.array(z.tuple([entry, entry])).nullish(),
  num_entries: entry.nullish(),
  uuid: z.string().nullish(),
});
const filesSchema = z.union([z.array(z.string()), z.record(z.string(), z.union([z.string(), preparedFile]))]);
const datasetSchema = z.union([
  z.array(z.string()),
  z.looseObject({ files: filesSchema, treename: z.string().optional(), metadata: z.record(z.string(), z.unknown()).nullish() }),
]);
const filesetSchema = z.record(z.string(), datasetSchema);

function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/**
 * Converts the classic coffea fileset dictionary into a data group:
 * `{ dataset: { files: { path: treename } | [paths], treename?, metadata? } }` (a bare list of paths
 * also works, and so do coffea's preprocessed entries `{ object_path, steps, num_entries, uuid }`).
 *
 * @example
 * ```ts
 * const group = fromCoffeaFileset({
 *   DY: { files: { 'nano_dy.root': 'Events' }, metadata: { xsec: 6077 } },
 *   Data: ['run1.root', 'run2.root'],
 * }, { baseDir: '/data' });
 * ```
 */
export function fromCoffeaFileset(json: unknown, options: CoffeaFilesetOptions = {}): DataGroup {
  const parsed = filesetSchema.safeParse(json);
  if (!parsed.success) throw new InvalidOptionsError(`Invalid coffea fileset: ${formatIssues('fileset', parsed.error, json)}`);
  const defaultTree = options.treename ?? 'Events';
  const place = (path: string): string =>
    options.baseDir === undefined || isAbsolute(path) || isUrl(path) ? path : resolve(options.baseDir, path);
  const datasets = Object.entries(parsed.data).map(([name, value]) => {
    const spec = Array.isArray(value) ? { files: value } : value;
    const tree = (Array.isArray(value) ? undefined : value.treename) ?? defaultTree;
    const files: FileSpec[] = Array.isArray(spec.files)
      ? spec.files.map((path) => ({ path: place(path), treename: tree }))
      : Object.entries(spec.files).map(([path, v]) => {
          if (typeof v === 'string') return { path: place(path), treename: v };
          return {
            path: place(path),
            treename: v.object_path ?? tree,
            ...(v.steps == null ? {} : { steps: v.steps }),
            ...(v.num_entries == null ? {} : { entries: v.num_entries }),
            ...(v.uuid == null ? {} : { uuid: v.uuid }),
          };
        });
    const metadata = (Array.isArray(value) ? undefined : value.metadata) ?? {};
    return { name, files, metadata: metadata as Metadata };
  });
  return new DataGroup(parseDataGroup({ datasets }, 'fileset'));
}

/** Reads a coffea fileset JSON file; relative paths are resolved against the file's directory. */
export async function loadCoffeaFileset(path: string, options: CoffeaFilesetOptions = {}): Promise<DataGroup> {
  const json = JSON.parse(await readFile(path, 'utf8')) as unknown;
  return fromCoffeaFileset(json, { baseDir: dirname(resolve(path)), ...options });
}
