import type { Progress } from '../protocol/task.ts';
import type { ProgressMode } from './args.ts';
import { formatCount, formatDuration } from './format.ts';
import { eta, renderBars, type GroupProgress } from './progress-render.ts';

export type { GroupProgress } from './progress-render.ts';

/** Shows a task's progress; `stop()` leaves the terminal clean (call it before printing anything else). */
export interface ProgressView {
  /** The latest report, and each dataset's share of it when the view shows datasets. */
  update(progress: Progress, groups?: readonly GroupProgress[]): void;
  stop(): void;
  /** Whether the view draws datasets (else there is no need to compute their shares). */
  readonly showsGroups: boolean;
}

/** Options of {@link createProgressView}. */
export interface ProgressViewOptions {
  /** `auto`: bars when the stream is a terminal, else plain lines. @defaultValue 'auto' */
  mode?: ProgressMode;
  /** Where to draw. @defaultValue process.stderr */
  stream?: NodeJS.WriteStream;
  /** What is being done, shown first (`run`, `prepare`, `generate`). */
  label: string;
  /** Units of the entries (`events`, `files`). @defaultValue 'events' */
  unit?: string;
  /** Units of the work elements, or `null` to leave them out (when they are the entries). @defaultValue 'chunks' */
  chunkUnit?: string | null;
  /** The true number of work elements, when known before they are dispatched. */
  chunksTotal?: number;
  /** Milliseconds between plain lines. @defaultValue 2000 (or env `CORTADO_PROGRESS_MS`) */
  intervalMs?: number;
  /** Columns to fit the bars into. @defaultValue the terminal's width, else env `COLUMNS`, else 80 */
  columns?: number;
}

/**
 * A progress view on stderr: on a terminal, an overall bar (entries and chunks done, rate, ETA,
 * failures) and one bar per dataset, fitted to the terminal's width and redrawn in place; when
 * output goes to a file or a pipe, a plain line every `intervalMs` and one at the end.
 *
 * @example
 * ```ts
 * const view = createProgressView({ label: 'run', chunksTotal: 40 });
 * task.progress$.subscribe({ next: (p) => view.update(p), complete: () => view.stop() });
 * ```
 */
export function createProgressView(options: ProgressViewOptions): ProgressView {
  const stream = options.stream ?? process.stderr;
  const mode = options.mode ?? 'auto';
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  const unit = options.unit ?? 'events';
  const chunkUnit = options.chunkUnit === null ? undefined : (options.chunkUnit ?? 'chunks');
  if (resolved === 'none') return { update() {}, stop() {}, showsGroups: false };
  if (resolved === 'bar') return barView(stream, { ...options, unit, chunkUnit });
  const fromEnv = Number(process.env.CORTADO_PROGRESS_MS);
  const intervalMs = options.intervalMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 2000);
  return lineView(stream, { label: options.label, unit, chunkUnit, chunksTotal: options.chunksTotal }, intervalMs);
}

interface LineFormat {
  readonly label: string;
  readonly unit: string;
  readonly chunkUnit?: string | undefined;
  readonly chunksTotal?: number | undefined;
}

/** One progress line: `run 45,000/100,000 events (45%) | 12/30 chunks | 3,456 events/s | elapsed 2 s | ETA 15 s | 0 failed`. */
export function progressLine(label: string, unit: string, p: Progress, format: Partial<LineFormat> = {}): string {
  const percent = p.entriesTotal > 0 ? Math.floor((100 * p.entriesDone) / p.entriesTotal) : 100;
  const chunkUnit = 'chunkUnit' in format ? format.chunkUnit : 'chunks';
  const chunksTotal = Math.max(format.chunksTotal ?? 0, p.elementsTotal);
  return (
    `${label} ${formatCount(p.entriesDone)}/${formatCount(p.entriesTotal)} ${unit} (${percent}%) | ` +
    (chunkUnit === undefined ? '' : `${formatCount(p.elementsDone)}/${formatCount(chunksTotal)} ${chunkUnit} | `) +
    `${formatCount(Math.round(p.rate))} ${unit}/s | elapsed ${formatDuration(p.elapsedMs)} | ETA ${eta(p)} | ${formatCount(p.failures)} failed`
  );
}

function lineView(stream: NodeJS.WriteStream, format: LineFormat, intervalMs: number): ProgressView {
  let last: Progress | undefined;
  let printed: Progress | undefined;
  const print = () => {
    if (last === undefined || last === printed) return;
    printed = last;
    stream.write(`${progressLine(format.label, format.unit, last, format)}\n`);
  };
  const timer = setInterval(print, intervalMs);
  timer.unref();
  let stopped = false;
  return {
    showsGroups: false,
    update(p) {
      last = p;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      print();
    },
  };
}

const FRAME_MS = 125;

function barView(stream: NodeJS.WriteStream, options: Omit<ProgressViewOptions, 'unit' | 'chunkUnit'> & { unit: string; chunkUnit: string | undefined }): ProgressView {
  const columns = () => {
    const fromEnv = Number(process.env.COLUMNS);
    return options.columns ?? (stream.isTTY && stream.columns > 0 ? stream.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80);
  };
  const rows = () => (stream.isTTY && stream.rows > 0 ? stream.rows : 24);
  let last: { p: Progress; groups: readonly GroupProgress[] } | undefined;
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const draw = () => {
    timer = undefined;
    if (last === undefined) return;
    const lines = renderBars(columns(), last.p, {
      label: options.label,
      unit: options.unit,
      chunkUnit: options.chunkUnit,
      chunksTotal: options.chunksTotal,
      groups: last.groups,
      maxGroupLines: Math.max(1, Math.min(12, rows() - 4)),
    });
    // Back to the first line drawn, then every line cleared and redrawn (the frame never shrinks).
    let out = drawn === 0 ? '\u001b[?25l' : `\r${drawn > 1 ? `\u001b[${drawn - 1}A` : ''}`;
    while (lines.length < drawn) lines.push('');
    out += lines.map((l) => `\u001b[2K${l}`).join('\n');
    drawn = lines.length;
    stream.write(out);
  };
  return {
    showsGroups: true,
    update(p, groups = []) {
      if (stopped) return;
      last = { p, groups };
      if (timer === undefined) {
        timer = setTimeout(draw, drawn === 0 ? 0 : FRAME_MS);
        timer.unref();
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      draw();
      if (drawn > 0) stream.write('\n\u001b[?25h');
    },
  };
}
