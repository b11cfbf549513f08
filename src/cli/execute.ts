import { finalize, type Finalizer } from '../results/finalize.ts';
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
import { existsSync, rmSync } from 'node:fs';
import { removeStaleTemporaries } from '../journal/atomic-write.ts';
import { acquireLock } from '../journal/lock.ts';
import { assertWritableFile } from '../journal/writable.ts';
import { journalMeta, journalPathOf, metaJson, readRunJournal, resumePoint, type ResumePoint } from './run-journal.ts';
import { checkBackendArgs, createBackend } from './backend.ts';
import { concatComputables } from './concat.ts';
import { CliUsageError, EXIT, oneLine, preparationFailed } from './errors.ts';
import { readFileset } from './fileset.ts';
import { shellQuote } from './format.ts';
import { watchInterrupts, type Interruption } from './interrupt.ts';
import { prepareMissing } from './prepare-files.ts';
import { openMonitor } from './monitor.ts';
import { loadProcessorModule, type LoadedProcessor } from './processor-module.ts';
import { groupProgress, workLayout } from './group-progress.ts';
import { createProgressView, type ProgressView } from './progress.ts';
import { codeChanges } from '../journal/code-check.ts';
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
  /** Set by `cortado skim`: the resume command it prints names `skim --resume <dir>`. */
  readonly skimDir?: string | undefined;
  /** Folder where each dataset's result is written (`<dataset>.json`) as soon as that dataset completes. */
  readonly outDir?: string | undefined;
  /** Where the processor writes its outputs (`cortado skim --out`): sent with every chunk as `context.output`. */
  readonly output?: string | undefined;
  /** Error codes or class names that skip a chunk or file at once. */
  readonly continueOn: readonly string[];
  /** Retries of a failing chunk before it is skipped (I/O errors) or cancels the run. @defaultValue 3 */
  readonly retries?: number | undefined;
  /** Halvings of a chunk that runs out of memory or time before the policy applies to it. @defaultValue 3 */
  readonly splitDepth?: number | undefined;
  /** A result file of an earlier run to complete (or the journal `<file>.journal` of a run that died). */
  readonly resume?: string | undefined;
  /** Keep a crash-safe journal in `<out>.journal` while running. @defaultValue true */
  readonly journal?: boolean | undefined;
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
  const out = request.out ?? request.resume ?? 'result.json';
  // Flags that do not go together are a usage error before anything is locked or written.
  checkBackendArgs(request.backend);
  // Found now, not after the whole computation: an --out that cannot be written.
  assertWritableFile(out, 'the result file (--out)');
  const perDataset = request.outDir === undefined ? undefined : openOutDir(request.outDir);
  // A bad fileset gets its own one-line error, even while another run holds the lock.
  const fileset = request.resume === undefined && request.fileset !== undefined ? await readFileset(request.fileset) : undefined;
  // So does a processor module that cannot be loaded, or lacks the export asked for (a resumed run
  // names its module in the saved file, read under the lock).
  const preloaded = request.resume === undefined && request.processor !== undefined ? await loadProcessorModule(request.processor, request.exportName) : undefined;
  // Two runs writing one result file (two --resume of one run) would lose one's work: lock it.
  const lock = acquireLock(`${out}.lock`, `The result file ${out}`);
  try {
    removeStaleTemporaries(out);
    const outcome = await executeLocked(request, out, output, fileset, preloaded, perDataset);
    if (perDataset !== undefined) {
      for (const { group, error } of perDataset.errors) output.err(`warning: could not write the result of dataset ${group} to ${request.outDir}: ${oneLine(error)}`);
      if (request.json !== true) output.out(`Per-dataset results: ${perDataset.written.size} file(s) in ${request.outDir}, each written when its dataset completed.`);
    }
    return outcome;
  } finally {
    lock.release();
  }
}

async function executeLocked(request: RunRequest, out: string, output: Output,
  fileset: Awaited<ReturnType<typeof readFileset>> | undefined, preloaded: LoadedProcessor | undefined, perDataset: Finalizer | undefined): Promise<RunOutcome> {
  const startedAt = new Date();
  const t0 = performance.now();
  const useJournal = request.journal ?? true;
  const journalPath = journalPathOf(request.resume ?? out);
  const point = await findResumePoint(request, out, journalPath, useJournal);
  const { saved, journal } = point;
  if (point.note !== undefined) output.err(`note: ${point.note}`);
  const header = journal ?? saved;
  const settings = resolveSettings(request, header);
  // Inputs first (fast, one-line errors), then the backend.
  const group = header === undefined ? (fileset ?? await readFileset(request.fileset!)) : undefined;
  const processor = preloaded !== undefined && settings.module === request.processor && settings.exportName === request.exportName
    ? preloaded
    : await loadProcessorModule(settings.module, settings.exportName);
  if (header !== undefined && processor.exportName !== header.processor.exportName) {
    throw new CliUsageError(`Expected export \`${header.processor.exportName}\` as in the saved run ${request.resume}, got \`${processor.exportName}\``);
  }
  const mapOptions: MapStepsOptionsInput = {
    ...(settings.stepSize === undefined ? {} : { stepSize: settings.stepSize }),
    ...(settings.maxChunks === undefined ? {} : { maxChunks: settings.maxChunks }),
    ...(request.output === undefined ? {} : { output: request.output }),
  };
  const build = (parts: readonly DataGroupSpec[]) => concatComputables(parts.map((p) => mapSteps(p, processor.ref, mapOptions)));
  if (saved !== undefined) {
    const { key, size, code } = build(saved.parts);
    if (size !== saved.size) {
      throw new CliUsageError(`The result file ${request.resume} is damaged: its size ${saved.size} is not the ${size} entries of its prepared files; start a fresh run without --resume`);
    }
    if (key !== saved.key) {
      throw new CliUsageError(
        `Expected the computation of the saved run ${request.resume} (key ${saved.key}), got key ${key}: the processor module ` +
          `(its path, export or declared columns) changed since; start a fresh run without --resume`,
      );
    }
    const changes = saved.code === undefined || code === undefined ? [] : codeChanges(saved.code, code);
    if (changes.length > 0) {
      throw new CliUsageError(
        `Expected the processor code of the saved run ${request.resume}, got other code (${changes.join('; ')}): its result would be merged with results of ` +
          'the new code. Restore the code it was written with to resume, or start a fresh run without --resume',
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
  // A run continued from its journal keeps the parts it had prepared: its journal's key depends on them.
  const prepared: PreparedParts =
    journal !== undefined ? { parts: [...journal.parts], failed: [...journal.prepareFailed], status: 'complete' } : await prepareParts(backend, saved, group, { stepSize: settings.stepSize, errorPolicy, signal: watch.signal, progress: request.progress });
  if (prepared.status === 'cancelled') {
    if (watch.interruption !== undefined) {
      output.err('Interrupted while preparing files: nothing was computed, so nothing was written. Run the same command again.');
      return { run: undefined, exitCode: watch.interruption.exitCode, out, plots: [], interruption: watch.interruption };
    }
    throw new CliUsageError(preparationFailed(prepared.error), { exitCode: EXIT.failed, cause: prepared.error });
  }

  // 2. The run itself: everything, or on resume just the ranges not completed before.
  const prepareMs = performance.now() - t0;
  const computable = build(prepared.parts);
  const before = new RangeSet(saved?.completed ?? []);
  const todo: Computable<unknown> = saved === undefined ? computable : restrict(computable, before.complement(computable.size).toArray());
  const meta =
    journal ??
    journalMeta({
      baseRunId: saved?.runId ?? null,
      processor: { module: processor.path, exportName: processor.exportName },
      fileset: header?.fileset ?? resolve(request.fileset!),
      options: runOptions(settings),
      parts: prepared.parts,
      prepareFailed: prepared.failed,
      startedAt,
    });
  // The true totals (chunks, each dataset's events) before anything runs.
  const layout = workLayout(computable);
  const chunksTotal = saved === undefined ? layout.chunks : workLayout(todo).chunks;
  view = createProgressView({ mode: request.progress, label: saved === undefined && journal === undefined ? 'run' : 'resume', chunksTotal });
  const progressView = view;
  let last: Progress | undefined;
  const task = backend.compute(todo, {
    errorPolicy,
    signal: watch.signal,
    ...(request.splitDepth === undefined ? {} : { splitDepth: request.splitDepth }),
    // Each dataset written to --out-dir is let go of then (its memory freed); with --plots the whole
    // result is kept, since the plots are drawn from it at the end.
    ...(perDataset === undefined ? {} : { onGroupComplete: perDataset.onGroupComplete, ...(request.plots === undefined ? { releaseGroups: perDataset.releaseGroups } : {}) }),
    // The journal goes once the result file is written (below), not when the task completes.
    ...(useJournal ? { checkpoint: { path: journalPath, meta: metaJson(meta), removeOnComplete: false } } : {}),
  });
  if (task.restored !== undefined) {
    output.err(`Resuming from the journal ${journalPath}: ${task.restored.entries} events were recorded before the last run stopped; computing the rest.`);
  }
  monitor?.attach(task, saved === undefined && journal === undefined ? 'run' : 'resume');
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
  // Datasets that are in their own --out-dir file only (this run's and those of the run it continues).
  const writtenTo: Record<string, string> = { ...saved?.writtenTo };
  // A dataset the journal restored as released was written by the run it continues, to the same --out-dir.
  for (const dataset of partial.released ?? []) writtenTo[dataset] = perDataset?.written.get(dataset) ?? perDataset?.pathOf(dataset) ?? writtenTo[dataset] ?? '';
  const status = task.status === 'cancelled' ? 'cancelled' : failed.length > 0 || completed.length < computable.size ? 'incomplete' : 'complete';
  const run: RunFile = {
    type: 'cortado.Run',
    version: 1,
    runId: meta.runId,
    status,
    processor: { module: processor.path, exportName: processor.exportName },
    fileset: header?.fileset ?? resolve(request.fileset!),
    options: runOptions(settings),
    key: computable.key,
    ...(computable.code === undefined ? {} : { code: computable.code }),
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
    ...(Object.keys(writtenTo).length === 0 ? {} : { writtenTo }),
  };
  try {
    await writeRunFile(out, run);
  } catch (error) {
    if (useJournal) output.err(`The journal ${journalPath} still holds everything computed: fix the problem and run \`${resumeCommand({ ...request, resume: request.resume ?? out }, out)}\``);
    throw error;
  }
  // The result file now holds everything the journal did.
  if (useJournal) rmSync(journalPath, { recursive: true, force: true });

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
    processedNow: partial.processed - (task.restored?.entries ?? 0),
    progress: last,
    elapsedMs: performance.now() - t0,
    prepareMs,
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

/** What a resumed run takes from the run it continues (a result file or a journal). */
type RunHeader = Pick<RunFile, 'processor' | 'fileset' | 'options'>;

function runOptions(settings: Settings): RunFile['options'] {
  return { ...(settings.stepSize === undefined ? {} : { stepSize: settings.stepSize }), ...(settings.maxChunks === undefined ? {} : { maxChunks: settings.maxChunks }) };
}

/**
 * What this invocation continues. A fresh run refuses to start over the journal of a run that
 * died (it would throw that work away); `--resume` takes the result file, its journal, or both.
 */
async function findResumePoint(request: RunRequest, out: string, journalPath: string, useJournal: boolean): Promise<ResumePoint> {
  const journal = useJournal ? readRunJournal(journalPath) : undefined;
  if (request.resume === undefined) {
    if (journal === undefined) return { saved: undefined, journal: undefined };
    const previous = existsSync(out) ? await readRunFile(out).catch(() => undefined) : undefined;
    if (previous !== undefined && previous.runId === journal.runId) {
      rmSync(journalPath, { recursive: true, force: true });
      return { saved: undefined, journal: undefined };
    }
    throw new CliUsageError(
      `A run writing ${out} stopped before it finished and left its journal ${journalPath}: resume it with \`cortado run --resume ${out}\`, ` +
        `or delete the folder ${journalPath} to start afresh (or choose another --out)`,
    );
  }
  const saved = existsSync(request.resume) || journal === undefined ? await readRunFile(request.resume) : undefined;
  return resumePoint(request.resume, saved, journalPath, journal);
}

interface Settings {
  readonly module: string;
  readonly exportName: string | undefined;
  readonly stepSize: number | undefined;
  readonly maxChunks: number | undefined;
}

/** The processor and step options: from the request, or from the saved run (which they must then match). */
function resolveSettings(request: RunRequest, saved: RunHeader | undefined): Settings {
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
  const words = request.skimDir === undefined ? [...request.program, 'run', '--resume', displayPath(out)] : [...request.program, 'skim', '--resume', displayPath(request.skimDir)];
  if (request.backend.backend !== 'inline') words.push('--backend', request.backend.backend);
  if (request.backend.workers !== undefined) words.push('--workers', String(request.backend.workers));
  if (request.backend.elementTimeoutMs !== undefined) words.push('--element-timeout', String(request.backend.elementTimeoutMs / 1000));
  if (request.backend.maxMemoryMb !== undefined) words.push('--max-memory', String(request.backend.maxMemoryMb));
  if (request.backend.leaseMs !== undefined) words.push('--lease', String(request.backend.leaseMs / 1000));
  if (request.backend.connectTimeoutMs !== undefined) words.push('--redis-connect-timeout', String(request.backend.connectTimeoutMs / 1000));
  for (const code of request.continueOn) words.push('--continue-on', code);
  if (request.retries !== undefined) words.push('--retries', String(request.retries));
  if (request.splitDepth !== undefined) words.push('--split-depth', String(request.splitDepth));
  if (request.outDir !== undefined) words.push('--out-dir', request.outDir);
  if (request.plots !== undefined) words.push('--plots', displayPath(request.plots));
  return words.map(shellQuote).join(' ');
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' ? '.' : rel.startsWith('..') ? resolve(path) : rel;
}

/** The processor reference type the CLI runs. */
export type CliProcessor = ProcessorRef<EventsInput, unknown>;

/** The `--out-dir` writer, its folder created (or found unwritable) before anything runs. */
function openOutDir(dir: string): Finalizer {
  try {
    return finalize(dir);
  } catch (error) {
    throw new CliUsageError(`Expected --out-dir ${dir} to be a folder that can be created and written, got ${oneLine(error)}`, { cause: error });
  }
}
