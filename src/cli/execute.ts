import { relative, resolve } from 'node:path';
import type { Backend } from '../backends/backend.ts';
import type { DataGroupSpec, FileSpec } from '../io/dataset/schema.ts';
import { mapSteps } from '../io/dataset/map-steps.ts';
import type { MapStepsOptionsInput } from '../io/dataset/options.ts';
import { restrict, type Computable } from '../protocol/computable.ts';
import type { ErrorPolicyInput } from '../protocol/policy.ts';
import type { ProcessorRef } from '../protocol/processor.ts';
import { RangeSet, type Range } from '../protocol/range.ts';
import { EMPTY, merge, type Empty } from '../protocol/result.ts';
import type { Progress } from '../protocol/task.ts';
import { deserializeResult, serializeResult } from '../results/serialize.ts';
import { writePlots } from '../results/plot/write.ts';
import type { EventsInput } from '../io/dataset/context.ts';
import type { BackendArgs, MonitorArgs, ProgressMode } from './args.ts';
import { assertWritableFile } from '../journal/writable.ts';
import { createBackend } from './backend.ts';
import { concatComputables } from './concat.ts';
import { CliUsageError, EXIT, oneLine } from './errors.ts';
import { readFileset } from './fileset.ts';
import { shellQuote } from './format.ts';
import { watchInterrupts, type Interruption } from './interrupt.ts';
import { prepareMissing } from './prepare-files.ts';
import { openMonitor } from './monitor.ts';
import { loadProcessorModule } from './processor-module.ts';
import { groupProgress, workLayout } from './group-progress.ts';
import { createProgressView, type ProgressView } from './progress.ts';
import { readRunFile, writeRunFile, type RunFile, type SavedFailure } from './run-file.ts';
import { savedError } from './saved-error.ts';
import { stackTrace } from './stack.ts';
import { runJson, summaryLines, type SummaryInput } from './summary.ts';

/** Everything `cortado run` (and `cortado demo`) needs to know. */
export interface RunRequest {
  /** Path of the processor module; taken from the saved run on resume. */
  readonly processor?: string | undefined;
  /** Export to use. @defaultValue the default export, else the only processor exported */
  readonly exportName?: string | undefined;
  /** The fileset JSON (coffea or cortado data group); not needed on resume. */
  readonly fileset?: string | undefined;
  readonly backend: BackendArgs;
  readonly stepSize?: number | undefined;
  readonly maxChunks?: number | undefined;
  /** Where to write the result file. @defaultValue the resumed file, else `result.json` */
  readonly out?: string | undefined;
  /** Folder for plots of every histogram in the result. */
  readonly plots?: string | undefined;
  /** Error codes or class names that skip a chunk or file at once. */
  readonly continueOn: readonly string[];
  /** Retries of a failing chunk before it is skipped (I/O errors) or cancels the run. @defaultValue 3 */
  readonly retries?: number | undefined;
  /** A result file of an earlier run to complete. */
  readonly resume?: string | undefined;
  readonly progress: ProgressMode;
  /** A live dashboard and/or a trace file of the run. */
  readonly monitor?: MonitorArgs | undefined;
  /** How to call cortado again, for the printed resume command (`['npx', 'cortado']`). */
  readonly program: readonly string[];
  /** Print a JSON summary (see {@link runJson}) on stdout instead of the text lines. */
  readonly json?: boolean | undefined;
  /** Show cortado's own stack frames too in a fatal error's stack trace. */
  readonly verbose?: boolean | undefined;
}

/** How a run ended. */
export interface RunOutcome {
  /** What was written, or `undefined` when nothing could be (interrupted while preparing). */
  readonly run: RunFile | undefined;
  readonly exitCode: number;
  readonly out: string;
  readonly plots: readonly string[];
  readonly interruption?: Interruption | undefined;
}

/** Where output goes; tests and `demo` may pass their own. */
export interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const defaultOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs a processor module over a fileset and writes the result file; or, with `resume`, computes only
 * what an earlier run left (the complement of its completed ranges, plus files it could not open)
 * and merges it into the saved result. Ctrl-C cancels, writes the partial result and returns 130.
 * Problems with the inputs throw {@link CliUsageError}.
 *
 * @example
 * ```ts
 * const { exitCode } = await executeRun({ processor: 'examples/dimuon.ts', fileset: 'fileset.json', out: 'result.json',
 *   backend: { backend: 'inline' }, continueOn: [], progress: 'auto', program: ['npx', 'cortado'] });
 * ```
 */
export async function executeRun(request: RunRequest, output: Output = defaultOutput): Promise<RunOutcome> {
  const startedAt = new Date();
  const t0 = performance.now();
  const saved = request.resume === undefined ? undefined : await readRunFile(request.resume);
  const out = request.out ?? request.resume ?? 'result.json';
  // Found now, not after the whole computation: an --out that cannot be written.
  assertWritableFile(out, 'the result file (--out)');
  const settings = resolveSettings(request, saved);
  // Inputs first (fast, one-line errors), then the backend.
  const group = saved === undefined ? await readFileset(request.fileset!) : undefined;
  const processor = await loadProcessorModule(settings.module, settings.exportName);
  if (saved !== undefined && processor.exportName !== saved.processor.exportName) {
    throw new CliUsageError(`Expected export \`${saved.processor.exportName}\` as in the saved run ${request.resume}, got \`${processor.exportName}\``);
  }
  const mapOptions: MapStepsOptionsInput = {
    ...(settings.stepSize === undefined ? {} : { stepSize: settings.stepSize }),
    ...(settings.maxChunks === undefined ? {} : { maxChunks: settings.maxChunks }),
  };
  const build = (parts: readonly DataGroupSpec[]) => concatComputables(parts.map((p) => mapSteps(p, processor.ref, mapOptions)));
  if (saved !== undefined) {
    const { key, size } = build(saved.parts);
    if (size !== saved.size) {
      throw new CliUsageError(`The result file ${request.resume} is damaged: its size ${saved.size} is not the ${size} entries of its prepared files; start a fresh run without --resume`);
    }
    if (key !== saved.key) {
      throw new CliUsageError(
        `Expected the computation of the saved run ${request.resume} (key ${saved.key}), got key ${key}: the processor module ` +
          `(its path, export or declared columns) changed since; start a fresh run without --resume`,
      );
    }
  }
  const errorPolicy: ErrorPolicyInput = {
    continueOn: [...request.continueOn],
    ...(request.retries === undefined ? {} : { maxRetries: request.retries }),
  };

  let view: ProgressView | undefined;
  using watch = watchInterrupts((interruption) => {
    view?.stop();
    output.err(`\n${interruption.signal}: cancelling; the partial result goes to ${out} (Ctrl-C again quits at once)`);
  });
  await using backend = await createBackend(request.backend);
  const monitor = await openMonitor(request.monitor ?? {}, output.err);
  // Disposed before the backend: the trace gets the run's last records, the page its final state.
  await using _monitor = { [Symbol.asyncDispose]: async () => monitor?.close() };

  // 1. Preparation: entries of every file that lacks them (and, on resume, of files that failed before).
  const prepared = await prepareParts(backend, saved, group, { stepSize: settings.stepSize, errorPolicy, signal: watch.signal, progress: request.progress });
  if (prepared.status === 'cancelled') {
    if (watch.interruption !== undefined) {
      output.err('Interrupted while preparing files: nothing was computed, so nothing was written. Run the same command again.');
      return { run: undefined, exitCode: watch.interruption.exitCode, out, plots: [], interruption: watch.interruption };
    }
    throw new CliUsageError(`Preparing the files failed: ${oneLine(prepared.error)}`, { exitCode: EXIT.failed, cause: prepared.error });
  }

  // 2. The run itself: everything, or on resume just the ranges not completed before.
  const computable = build(prepared.parts);
  const before = new RangeSet(saved?.completed ?? []);
  const todo: Computable<unknown> = saved === undefined ? computable : restrict(computable, before.complement(computable.size).toArray());
  // The true totals (chunks, each dataset's events) before anything runs.
  const layout = workLayout(computable);
  const chunksTotal = saved === undefined ? layout.chunks : workLayout(todo).chunks;
  view = createProgressView({ mode: request.progress, label: saved === undefined ? 'run' : 'resume', chunksTotal });
  const progressView = view;
  let last: Progress | undefined;
  const task = backend.compute(todo, { errorPolicy, signal: watch.signal });
  monitor?.attach(task, saved === undefined ? 'run' : 'resume');
  for (const f of prepared.failed) if (f.file !== undefined) monitor?.skippedFile(f.file, f.error, f.dataset);
  const subscription = task.progress$.subscribe((p) => {
    last = p;
    // A resumed run counts what was done before, so the bar ends at 100%.
    const groups = progressView.showsGroups ? groupProgress(layout, before.clone().addAll(task.completedRanges()).toArray()) : undefined;
    progressView.update({ ...p, entriesDone: p.entriesDone + before.length }, groups);
  });
  const partial = await task.wait();
  subscription.unsubscribe();
  view.stop();

  // 3. Merge with the saved result and write everything needed to resume.
  const completed = before.clone().addAll(partial.completed);
  const previous = saved === undefined ? EMPTY : (deserializeResult(saved.result) as unknown);
  const result = merge(previous as Empty, partial.result as Empty) as unknown;
  const failed: SavedFailure[] = [
    ...prepared.failed,
    ...partial.failed.map((f): SavedFailure => {
      const file = errorPath(f.error) ?? (settings.maxChunks === undefined ? fileOfRange(prepared.parts, f.range) : undefined);
      return {
        stage: 'run',
        range: [f.range[0], f.range[1]],
        ...(f.group === undefined ? {} : { dataset: f.group }),
        ...(file === undefined ? {} : { file }),
        attempts: f.attempts,
        error: savedError(f.error),
      };
    }),
  ];
  const status = task.status === 'cancelled' ? 'cancelled' : failed.length > 0 || completed.length < computable.size ? 'incomplete' : 'complete';
  const run: RunFile = {
    type: 'cortado.Run',
    version: 1,
    status,
    processor: { module: processor.path, exportName: processor.exportName },
    fileset: saved?.fileset ?? resolve(request.fileset!),
    options: { ...(settings.stepSize === undefined ? {} : { stepSize: settings.stepSize }), ...(settings.maxChunks === undefined ? {} : { maxChunks: settings.maxChunks }) },
    key: computable.key,
    size: computable.size,
    completed: completed.toArray(),
    processed: completed.length,
    failed,
    ...(partial.error === undefined ? {} : { error: { ...savedError(partial.error), stack: stackTrace(partial.error, request.verbose ?? false) } }),
    parts: prepared.parts,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    elapsedMs: Math.round(performance.now() - t0),
    result: serializeResult(result === EMPTY ? {} : result),
  };
  await writeRunFile(out, run);

  let plots: string[] = [];
  if (request.plots !== undefined && result !== EMPTY) {
    try {
      plots = await writePlots(result, request.plots);
    } catch (error) {
      output.err(`warning: could not write the plots to ${request.plots}: ${oneLine(error)}`);
    }
  }

  const interruption = watch.interruption;
  const exitCode = status === 'complete' ? EXIT.complete : status === 'incomplete' ? EXIT.incomplete : (interruption?.exitCode ?? EXIT.failed);
  const stopped = interruption !== undefined ? `interrupted by ${interruption.signal}` : partial.error !== undefined ? `cancelled by a fatal error: ${oneLine(partial.error)}` : undefined;
  // Where a fatal error came from: the processor's frames (all frames with --verbose).
  if (partial.error !== undefined) output.err(`\nThe run was cancelled by this error:\n${run.error?.stack ?? oneLine(partial.error)}\n`);
  const summary: SummaryInput = {
    run,
    processedNow: partial.processed,
    progress: last,
    elapsedMs: performance.now() - t0,
    out,
    plots,
    plotsDir: request.plots,
    stopped,
    resume: status === 'complete' ? undefined : resumeCommand(request, out),
  };
  if (request.json === true) output.out(JSON.stringify(runJson(summary, exitCode), null, 2));
  else for (const line of summaryLines(summary)) output.out(line);
  return { run, exitCode, out, plots, interruption };
}

interface Settings {
  readonly module: string;
  readonly exportName: string | undefined;
  readonly stepSize: number | undefined;
  readonly maxChunks: number | undefined;
}

/** The processor and step options: from the request, or from the saved run (which they must then match). */
function resolveSettings(request: RunRequest, saved: RunFile | undefined): Settings {
  if (saved === undefined) {
    if (request.processor === undefined) throw new CliUsageError('Expected a processor module: cortado run <module.ts> --fileset <fileset.json> (or --resume <result.json>)');
    if (request.fileset === undefined) throw new CliUsageError('Expected --fileset <fileset.json> (a coffea fileset or a cortado data group), got none');
    return { module: request.processor, exportName: request.exportName, stepSize: request.stepSize, maxChunks: request.maxChunks };
  }
  const where = request.resume!;
  if (request.processor !== undefined && resolve(request.processor) !== saved.processor.module) {
    throw new CliUsageError(`Expected processor ${saved.processor.module} as in the saved run ${where}, got ${resolve(request.processor)}`);
  }
  if (request.fileset !== undefined && saved.fileset !== null && resolve(request.fileset) !== saved.fileset) {
    throw new CliUsageError(`Expected fileset ${saved.fileset} as in the saved run ${where}, got ${resolve(request.fileset)}`);
  }
  for (const name of ['stepSize', 'maxChunks'] as const) {
    if (request[name] !== undefined && request[name] !== saved.options[name]) {
      throw new CliUsageError(`Expected ${name === 'stepSize' ? '--step-size' : '--max-chunks'} ${saved.options[name] ?? '(unset)'} as in the saved run ${where}, got ${request[name]}`);
    }
  }
  return { module: saved.processor.module, exportName: request.exportName ?? saved.processor.exportName, stepSize: saved.options.stepSize, maxChunks: saved.options.maxChunks };
}

interface PreparedParts {
  readonly parts: DataGroupSpec[];
  readonly failed: SavedFailure[];
  readonly status: 'complete' | 'incomplete' | 'cancelled';
  readonly error?: unknown;
}

async function prepareParts(
  backend: Backend,
  saved: RunFile | undefined,
  group: DataGroupSpec | undefined,
  options: { stepSize: number | undefined; errorPolicy: ErrorPolicyInput; signal: AbortSignal; progress: ProgressMode },
): Promise<PreparedParts> {
  if (saved === undefined) {
    const prepared = await prepareMissing(backend, group!, options);
    return { parts: [prepared.group.toJSON()], failed: prepared.failed, status: prepared.status, ...(prepared.error === undefined ? {} : { error: prepared.error }) };
  }
  const retry = saved.failed.filter((f) => f.stage === 'prepare' && f.file !== undefined && f.dataset !== undefined);
  if (retry.length === 0) return { parts: [...saved.parts], failed: [], status: 'complete' };
  // Files that could not be opened before form a new part at the end of the index space.
  const datasets = new Map<string, FileSpec[]>();
  for (const f of retry) {
    const files = datasets.get(f.dataset!) ?? [];
    if (!files.some((g) => g.path === f.file && g.treename === (f.treename ?? 'Events'))) files.push({ path: f.file!, treename: f.treename ?? 'Events' });
    datasets.set(f.dataset!, files);
  }
  const metadataOf = (name: string) => saved.parts.flatMap((p) => p.datasets).find((d) => d.name === name)?.metadata ?? {};
  const late: DataGroupSpec = { datasets: [...datasets].map(([name, files]) => ({ name, files, metadata: metadataOf(name) })) };
  const prepared = await prepareMissing(backend, late, options);
  const fresh = prepared.group.toJSON();
  const hasFiles = fresh.datasets.some((d) => d.files.length > 0);
  return {
    parts: hasFiles ? [...saved.parts, fresh] : [...saved.parts],
    failed: prepared.failed,
    status: prepared.status,
    ...(prepared.error === undefined ? {} : { error: prepared.error }),
  };
}

/** The path an error names (cortado's I/O errors carry it). */
function errorPath(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const path = (current as { path?: unknown }).path;
    if (typeof path === 'string') return path;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The file a range starts in: files lie one after another, part after part, `entries` each. */
function fileOfRange(parts: readonly DataGroupSpec[], range: Range): string | undefined {
  let offset = 0;
  for (const part of parts) {
    for (const d of part.datasets) {
      for (const f of d.files) {
        const entries = f.entries ?? 0;
        if (range[0] >= offset && range[0] < offset + entries) return f.path;
        offset += entries;
      }
    }
  }
  return undefined;
}

/** The exact command that resumes a run whose result went to `out`. */
export function resumeCommand(request: RunRequest, out: string): string {
  const words = [...request.program, 'run', '--resume', displayPath(out)];
  if (request.backend.backend !== 'inline') words.push('--backend', request.backend.backend);
  if (request.backend.workers !== undefined) words.push('--workers', String(request.backend.workers));
  if (request.backend.elementTimeoutMs !== undefined) words.push('--element-timeout', String(request.backend.elementTimeoutMs / 1000));
  if (request.backend.maxMemoryMb !== undefined) words.push('--max-memory', String(request.backend.maxMemoryMb));
  for (const code of request.continueOn) words.push('--continue-on', code);
  if (request.retries !== undefined) words.push('--retries', String(request.retries));
  if (request.plots !== undefined) words.push('--plots', displayPath(request.plots));
  return words.map(shellQuote).join(' ');
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' ? '.' : rel.startsWith('..') ? resolve(path) : rel;
}

/** The processor reference type the CLI runs. */
export type CliProcessor = ProcessorRef<EventsInput, unknown>;
