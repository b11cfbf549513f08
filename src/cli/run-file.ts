import { z } from 'zod';
import { dataGroupSchema, type DataGroupSpec } from '../io/dataset/schema.ts';
import { writeFileAtomic } from '../journal/atomic-write.ts';
import { formatIssues } from '../protocol/policy.ts';
import { EMPTY, assertMergeable } from '../protocol/result.ts';
import { deserializeResult } from '../results/serialize.ts';
import type { TaskStatus } from '../protocol/task.ts';
import type { SerializedResult } from '../results/serialize.ts';
import { CliUsageError } from './errors.ts';
import { readJsonFile } from './json-file.ts';

/** An error as saved in a run file. */
export interface SavedError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  /** A fatal error's stack trace: the processor's own frames (cortado's too with `--verbose`). */
  readonly stack?: string;
}

/** Something skipped: a chunk that failed (`stage: 'run'`) or a file that could not be prepared (`stage: 'prepare'`). */
export interface SavedFailure {
  readonly stage: 'run' | 'prepare';
  /** The chunk's range in the run's index space (runs only). */
  readonly range?: readonly [number, number];
  readonly dataset?: string;
  /** The file, when known. */
  readonly file?: string;
  readonly treename?: string;
  readonly attempts: number;
  readonly error: SavedError;
}

/**
 * What `cortado run --out result.json` writes: the result and everything needed to resume.
 *
 * - `status`: `complete`, `incomplete` (some chunks or files skipped) or `cancelled` (Ctrl-C or a fatal error).
 * - `completed`: ranges of the index space done (events, file after file, part after part).
 * - `failed`: what was skipped, with the error's name, code and message.
 * - `parts`: the prepared data groups the index space is made of (a resume that prepares files which
 *   failed before adds a part at the end).
 * - `result`: the merged result of `completed`, as `serializeResult` writes it.
 * - `writtenTo`: datasets whose result `--out-dir` wrote to their own file when they completed and
 *   the run then let go of (dataset → file); they are not in `result`.
 */
export interface RunFile {
  readonly type: 'cortado.Run';
  readonly version: 1;
  /** Identifies the run that wrote the file (matched against a journal on resume). */
  readonly runId?: string;
  readonly status: TaskStatus;
  readonly processor: { readonly module: string; readonly exportName: string };
  /** The fileset the run started from (absolute). */
  readonly fileset: string | null;
  readonly options: { readonly stepSize?: number; readonly maxChunks?: number };
  /** Key of the computable (checked on resume). */
  readonly key: string;
  /** The processor's code digest (`Computable.code`): a resume under other code is refused. */
  readonly code?: Readonly<Record<string, string>>;
  /** Size of the index space (events). */
  readonly size: number;
  readonly completed: ReadonlyArray<readonly [number, number]>;
  /** Entries in `completed`. */
  readonly processed: number;
  readonly failed: readonly SavedFailure[];
  /** The fatal error that cancelled the run, if one did. */
  readonly error?: SavedError;
  readonly parts: readonly DataGroupSpec[];
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Wall time of the invocation that wrote the file. */
  readonly elapsedMs: number;
  readonly result: SerializedResult;
  /** Datasets whose result is in their own `--out-dir` file (dataset → file), not in `result`. */
  readonly writtenTo?: Readonly<Record<string, string>>;
}

const range = z.tuple([z.number().int().min(0), z.number().int().min(0)]);
const savedError = z.object({ name: z.string(), code: z.string().optional(), message: z.string(), stack: z.string().optional() });
const runFileSchema = z.object({
  type: z.literal('cortado.Run'),
  version: z.literal(1),
  runId: z.string().optional(),
  status: z.enum(['pending', 'running', 'complete', 'incomplete', 'cancelled']),
  processor: z.object({ module: z.string().min(1), exportName: z.string().min(1) }),
  fileset: z.string().nullable(),
  options: z.object({ stepSize: z.number().int().min(1).optional(), maxChunks: z.number().int().min(1).optional() }),
  key: z.string(),
  code: z.record(z.string(), z.string()).optional(),
  size: z.number().int().min(0),
  completed: z.array(range),
  processed: z.number().int().min(0),
  failed: z.array(
    z.object({
      stage: z.enum(['run', 'prepare']),
      range: range.optional(),
      dataset: z.string().optional(),
      file: z.string().optional(),
      treename: z.string().optional(),
      attempts: z.number().int().min(0),
      error: savedError,
    }),
  ),
  error: savedError.optional(),
  parts: z.array(dataGroupSchema).min(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  elapsedMs: z.number().min(0),
  result: z.object({ type: z.literal('cortado.Result'), version: z.literal(1), value: z.unknown() }),
  writtenTo: z.record(z.string(), z.string()).optional(),
});

/**
 * Writes a run file atomically (a half-written file never replaces a good one, even on Ctrl-C or
 * SIGKILL); the temporary file is removed on failure and the error names `path`.
 */
export async function writeRunFile(path: string, run: RunFile): Promise<void> {
  writeFileAtomic(path, `${JSON.stringify(run, null, 1)}\n`, 'the result file');
}

/**
 * Reads and validates a run file written by `cortado run` (for `--resume` and `cortado plot`):
 * its schema, its completed ranges (each `start < stop`, within `[0, size)`, sorted and not
 * overlapping, adding up to `processed`), and its result (it decodes and merges). Every problem
 * is one {@link CliUsageError} naming the file and what is wrong, before anything is computed.
 *
 * @example
 * ```ts
 * const saved = await readRunFile('result.json');
 * saved.status; // 'incomplete'
 * ```
 */
export async function readRunFile(path: string): Promise<RunFile> {
  const json = await readJsonFile(path, 'a result file written by `cortado run`');
  const parsed = runFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliUsageError(`Expected ${path} to be a result file written by \`cortado run\`: ${formatIssues('', parsed.error, json)}`);
  }
  const run = parsed.data as RunFile;
  const problem = rangeProblem(run) ?? resultProblem(run);
  if (problem !== undefined) throw new CliUsageError(`The result file ${path} is damaged: ${problem}; it cannot be resumed (start a fresh run)`);
  return run;
}

/** What is wrong with a run file's completed ranges, if anything. */
export function rangeProblem(run: Pick<RunFile, 'completed' | 'size' | 'processed'>): string | undefined {
  let previousStop = 0;
  let total = 0;
  for (const [start, stop] of run.completed) {
    const at = `completed range [${start}, ${stop})`;
    if (!(start < stop)) return `${at} is empty or inverted (expected start < stop)`;
    if (stop > run.size) return `${at} lies beyond the run's size ${run.size}`;
    if (start < previousStop) return `${at} overlaps or precedes the range before it (expected sorted, disjoint ranges)`;
    previousStop = stop;
    total += stop - start;
  }
  if (total !== run.processed) return `its completed ranges cover ${total} entries but \`processed\` says ${run.processed}`;
  return undefined;
}

function resultProblem(run: RunFile): string | undefined {
  try {
    const value = deserializeResult(run.result);
    if (value !== EMPTY) assertMergeable(EMPTY, value);
    return undefined;
  } catch (error) {
    return `its result does not decode as a result that merges: ${(error as Error).message}`;
  }
}
