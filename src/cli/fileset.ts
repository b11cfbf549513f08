import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fromCoffeaFileset } from '../io/dataset/coffea.ts';
import { DataGroup } from '../io/dataset/dataset.ts';
import { parseDataGroup, type DataGroupSpec } from '../io/dataset/schema.ts';
import { InvalidOptionsError } from '../protocol/errors.ts';
import { CliUsageError } from './errors.ts';

function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/**
 * Reads the fileset a command is given: a coffea fileset (`{ dataset: { files: { path: tree } } }`)
 * or a cortado data group (`{ datasets: [...] }`, what `cortado prepare` writes). Relative file
 * paths are taken from the fileset's folder. Every problem is a {@link CliUsageError} of one line.
 *
 * @example
 * ```ts
 * const group = await readFileset('fileset.json');
 * ```
 */
export async function readFileset(path: string): Promise<DataGroup> {
  const where = resolve(path);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliUsageError(`Expected a fileset JSON file at ${path}, got no such file`, { cause: error });
    if (code === 'EISDIR') throw new CliUsageError(`Expected a fileset JSON file at ${path}, got a directory`, { cause: error });
    throw new CliUsageError(`Could not read the fileset ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`Expected ${path} to hold JSON (a coffea fileset or a cortado data group), got text that does not parse: ${(error as Error).message}`, { cause: error });
  }
  const baseDir = dirname(where);
  let group: DataGroup;
  try {
    if (json !== null && typeof json === 'object' && !Array.isArray(json) && 'datasets' in json) {
      const spec = parseDataGroup(json, 'dataGroup');
      group = new DataGroup(placeFiles(spec, baseDir));
    } else {
      group = fromCoffeaFileset(json, { baseDir });
    }
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new CliUsageError(`${error.message} (in ${path})`, { cause: error });
    throw error;
  }
  if (group.datasets.length === 0 || group.datasets.every((d) => d.files.length === 0)) {
    throw new CliUsageError(`Expected at least one dataset with files in ${path}, got none`);
  }
  return group;
}

function placeFiles(spec: DataGroupSpec, baseDir: string): DataGroupSpec {
  const place = (p: string): string => (isAbsolute(p) || isUrl(p) ? p : resolve(baseDir, p));
  return {
    ...spec,
    datasets: spec.datasets.map((d) => ({ ...d, files: d.files.map((f) => ({ ...f, path: place(f.path) })) })),
  };
}
