import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveDataGroup } from '../io/dataset/json.ts';
import { SkimResult, toDataGroup } from '../io/skim/result.ts';
import { deserializeResult } from '../results/serialize.ts';
import { CliUsageError } from './errors.ts';
import { executeRun, type RunOutcome, type RunRequest } from './execute.ts';

/** The data group of the written files, for the next pass. */
const SKIM_FILESET = 'fileset.json';

/** What `cortado skim` runs: a run of the skim processor into `dir`, then the fileset of the files. */
export interface SkimRequest {
  readonly dir: string;
  readonly request: RunRequest;
}

/**
 * Runs the skim like `cortado run` (progress, journal, resume, exit codes), then writes
 * `<dir>/fileset.json`: the data group of every file written so far, with each dataset's metadata,
 * ready for `cortado run --fileset`. Prints what was written.
 */
export async function executeSkim({ dir, request }: SkimRequest, out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<RunOutcome> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new CliUsageError(`Expected --out ${dir} to be a folder that can be created and written, got ${(error as Error).message}`, { cause: error });
  }
  const outcome = await executeRun(request);
  if (outcome.run === undefined) return outcome;
  const result = deserializeResult(outcome.run.result) as unknown;
  const parts = result instanceof SkimResult ? [result] : Object.values((result ?? {}) as Record<string, unknown>);
  if (!parts.every((p) => p instanceof SkimResult)) {
    throw new CliUsageError(`Expected the processor ${request.exportName ?? ''} to return a skim's result (made with skim()), got another result: use \`cortado run\` for it`.replace('  ', ' '));
  }
  const skims = parts as SkimResult[];
  const all = skims.reduce<SkimResult>((a, b) => a.add(b), new SkimResult({ files: [], scanned: {}, metadata: {} }));
  const filesetPath = join(dir, SKIM_FILESET);
  await saveDataGroup(filesetPath, toDataGroup(all));
  const scanned = Object.values(all.scanned).reduce((a, b) => a + b, 0);
  if (request.json !== true) {
    out(`Skim: ${all.files.length} file(s) with ${all.entries} of ${scanned} events read, in ${dir}; the next pass reads ${filesetPath}`);
  }
  return outcome;
}
