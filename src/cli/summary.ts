import type { Progress } from '../protocol/task.ts';
import { formatCount, formatDuration } from './format.ts';
import type { RunFile, SavedFailure } from './run-file.ts';
import { reasonOf } from './saved-error.ts';

/** Skipped work that shares one reason (an error code, else a class name). */
export interface SkipReason {
  readonly reason: string;
  readonly name: string;
  readonly files: number;
  readonly chunks: number;
  /** Entries in the skipped chunks (files that could not be prepared have no known size). */
  readonly entries: number;
  /** The first message, as an example. */
  readonly message: string;
}

/** Groups what was skipped by reason, largest first. */
export function groupFailures(failed: readonly SavedFailure[]): SkipReason[] {
  const byReason = new Map<string, { reason: string; name: string; files: Set<string>; chunks: number; entries: number; message: string }>();
  for (const f of failed) {
    const reason = reasonOf(f.error);
    let entry = byReason.get(reason);
    if (entry === undefined) {
      entry = { reason, name: f.error.name, files: new Set(), chunks: 0, entries: 0, message: f.error.message };
      byReason.set(reason, entry);
    }
    if (f.stage === 'prepare') entry.files.add(`${f.file}#${f.treename}`);
    else {
      entry.chunks++;
      if (f.range !== undefined) entry.entries += f.range[1] - f.range[0];
    }
  }
  return [...byReason.values()]
    .map((e) => ({ reason: e.reason, name: e.name, files: e.files.size, chunks: e.chunks, entries: e.entries, message: e.message }))
    .sort((a, b) => b.files + b.chunks - (a.files + a.chunks));
}

/** What the summary needs besides the run file. */
export interface SummaryInput {
  readonly run: RunFile;
  /** Entries processed by this invocation (a resume adds to earlier ones). */
  readonly processedNow: number;
  /** The run task's last progress report. */
  readonly progress: Progress | undefined;
  /** Wall time of the whole invocation. */
  readonly elapsedMs: number;
  /** Of that, the time spent preparing files (opening them for entries and clusters). */
  readonly prepareMs?: number | undefined;
  /** Where the result went, as the user named it. */
  readonly out: string;
  readonly plots: readonly string[];
  readonly plotsDir?: string | undefined;
  /** The fatal error or interruption, as one line. */
  readonly stopped?: string | undefined;
  /** The command that resumes, when there is something left. */
  readonly resume?: string | undefined;
}

/**
 * The lines printed when a run ends: status, events processed, time and throughput, what was skipped
 * grouped by reason, where the result and plots are, and how to resume.
 */
export function summaryLines(input: SummaryInput): string[] {
  const { run, progress } = input;
  const lines: string[] = [];
  // Time and throughput over the same interval: the whole invocation; then processing alone
  // (the run task's own elapsed time), which excludes preparation.
  const rate = input.elapsedMs > 0 ? (input.processedNow / input.elapsedMs) * 1000 : 0;
  const runMs = progress?.elapsedMs;
  const runRate = runMs !== undefined && runMs > 0 ? (input.processedNow / runMs) * 1000 : undefined;
  const split = runMs === undefined || runRate === undefined
    ? ''
    : ` (${input.prepareMs === undefined ? '' : `preparing ${formatDuration(input.prepareMs)}, `}` +
      `processing ${formatDuration(runMs)} at ${formatCount(Math.round(runRate))} events/s)`;
  const done = progress === undefined ? 0 : progress.elementsDone - progress.failures;
  const chunks = progress === undefined ? '' : ` in ${formatCount(done)} chunk${done === 1 ? '' : 's'}`;
  const unopened = run.failed.some((f) => f.stage === 'prepare') ? ' (files that could not be opened have no known size yet)' : '';
  lines.push(
    `cortado run: ${run.status}. Processed ${formatCount(run.processed)} of ${formatCount(run.size)} events` +
      `${input.processedNow !== run.processed ? ` (${formatCount(input.processedNow)} in this run)` : ''}${chunks}${unopened}; ` +
      `time ${formatDuration(input.elapsedMs)}, throughput ${formatCount(Math.round(rate))} events/s${split}.`,
  );
  if (input.stopped !== undefined) lines.push(`Stopped: ${input.stopped}`);
  const reasons = groupFailures(run.failed);
  if (reasons.length > 0) {
    const files = reasons.reduce((n, r) => n + r.files, 0);
    const chunksSkipped = reasons.reduce((n, r) => n + r.chunks, 0);
    const events = reasons.reduce((n, r) => n + r.entries, 0);
    const parts = [
      ...(files > 0 ? [`${formatCount(files)} file${files === 1 ? '' : 's'} that could not be opened`] : []),
      ...(chunksSkipped > 0 ? [`${formatCount(chunksSkipped)} chunk${chunksSkipped === 1 ? '' : 's'} (${formatCount(events)} events)`] : []),
    ];
    lines.push(`Skipped ${parts.join(' and ')}:`);
    for (const r of reasons) {
      const what = [
        ...(r.files > 0 ? [`${r.files} file${r.files === 1 ? '' : 's'}`] : []),
        ...(r.chunks > 0 ? [`${r.chunks} chunk${r.chunks === 1 ? '' : 's'}`] : []),
      ].join(', ');
      lines.push(`  ${r.reason} (${r.name}) × ${what}: ${r.message}`);
    }
  } else if (run.status === 'complete') {
    lines.push('Skipped: nothing.');
  }
  lines.push(`Result: ${input.out}`);
  if (input.plotsDir !== undefined) lines.push(`Plots: ${input.plotsDir} (${input.plots.length} files)`);
  if (input.resume !== undefined) {
    lines.push('Resume the rest (only the missing ranges are computed, then merged into the saved result) with:');
    lines.push(`  ${input.resume}`);
  }
  return lines;
}

/**
 * The machine-readable summary `cortado run --json` prints on stdout (and nothing else there).
 *
 * @example
 * ```ts
 * const { status, processed, skipped } = JSON.parse(stdout) as RunJson;
 * ```
 */
export interface RunJson {
  readonly command: 'run';
  readonly status: RunFile['status'];
  readonly exitCode: number;
  /** Entries processed in all, and of how many. */
  readonly processed: number;
  readonly size: number;
  /** Entries processed by this invocation. */
  readonly processedNow: number;
  /** Chunks completed by this invocation. */
  readonly chunks: number;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
  /** What was skipped, grouped by reason. */
  readonly skipped: readonly SkipReason[];
  /** Every skipped chunk or file, as in the result file. */
  readonly failed: readonly SavedFailure[];
  /** The fatal error (with its stack trace) when the run was cancelled by one. */
  readonly error?: RunFile['error'];
  /** Why the run stopped early (a fatal error or a signal). */
  readonly stopped?: string;
  /** The result file written. */
  readonly out: string;
  readonly plots: readonly string[];
  /** The command that completes the run, when something is left. */
  readonly resume?: string;
}

/** The JSON summary of a run (see {@link RunJson}). */
export function runJson(input: SummaryInput, exitCode: number): RunJson {
  const { run, progress } = input;
  const runMs = progress?.elapsedMs ?? input.elapsedMs;
  return {
    command: 'run',
    status: run.status,
    exitCode,
    processed: run.processed,
    size: run.size,
    processedNow: input.processedNow,
    chunks: progress === undefined ? 0 : progress.elementsDone - progress.failures,
    elapsedMs: Math.round(input.elapsedMs),
    eventsPerSecond: runMs > 0 ? Math.round((input.processedNow / runMs) * 1000) : 0,
    skipped: groupFailures(run.failed),
    failed: run.failed,
    ...(run.error === undefined ? {} : { error: run.error }),
    ...(input.stopped === undefined ? {} : { stopped: input.stopped }),
    out: input.out,
    plots: input.plots,
    ...(input.resume === undefined ? {} : { resume: input.resume }),
  };
}
