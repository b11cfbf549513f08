import cliProgress from 'cli-progress';
import type { Progress } from '../protocol/task.ts';
import type { ProgressMode } from './args.ts';
import { formatCount, formatDuration } from './format.ts';

/** Shows a task's progress; `stop()` leaves the terminal clean (call it before printing anything else). */
export interface ProgressView {
  update(progress: Progress): void;
  stop(): void;
}

/** Options of {@link createProgressView}. */
export interface ProgressViewOptions {
  /** `auto`: a bar when the stream is a terminal, else plain lines. @defaultValue 'auto' */
  mode?: ProgressMode;
  /** Where to draw. @defaultValue process.stderr */
  stream?: NodeJS.WriteStream;
  /** What is being done, shown first (`run`, `prepare`). */
  label: string;
  /** Units of the entries (`events`, `files`). @defaultValue 'events' */
  unit?: string;
  /** Milliseconds between plain lines. @defaultValue 2000 (or env `CORTADO_PROGRESS_MS`) */
  intervalMs?: number;
}

/**
 * A progress view on stderr: a cli-progress bar on a terminal (entries and chunks done, rate, ETA,
 * failures), or a plain line every `intervalMs` and one at the end when output goes to a file or a pipe.
 *
 * @example
 * ```ts
 * const view = createProgressView({ label: 'run' });
 * task.progress$.subscribe({ next: (p) => view.update(p), complete: () => view.stop() });
 * ```
 */
export function createProgressView(options: ProgressViewOptions): ProgressView {
  const stream = options.stream ?? process.stderr;
  const mode = options.mode ?? 'auto';
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  const unit = options.unit ?? 'events';
  if (resolved === 'none') return { update() {}, stop() {} };
  if (resolved === 'bar') return barView(stream, options.label, unit);
  const fromEnv = Number(process.env.CORTADO_PROGRESS_MS);
  const intervalMs = options.intervalMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 2000);
  return lineView(stream, options.label, unit, intervalMs);
}

function eta(p: Progress): string {
  if (p.rate <= 0 || p.entriesDone >= p.entriesTotal) return p.entriesDone >= p.entriesTotal ? '0 s' : '?';
  return formatDuration(((p.entriesTotal - p.entriesDone) / p.rate) * 1000);
}

/** One progress line: `run 45,000/100,000 events (45%) | 12/30 chunks | 3,456 events/s | ETA 15 s | 0 failed`. */
export function progressLine(label: string, unit: string, p: Progress): string {
  const percent = p.entriesTotal > 0 ? Math.floor((100 * p.entriesDone) / p.entriesTotal) : 100;
  return (
    `${label} ${formatCount(p.entriesDone)}/${formatCount(p.entriesTotal)} ${unit} (${percent}%) | ` +
    `${formatCount(p.elementsDone)}/${formatCount(p.elementsTotal)} chunks | ${formatCount(Math.round(p.rate))} ${unit}/s | ` +
    `elapsed ${formatDuration(p.elapsedMs)} | ETA ${eta(p)} | ${formatCount(p.failures)} failed`
  );
}

function lineView(stream: NodeJS.WriteStream, label: string, unit: string, intervalMs: number): ProgressView {
  let last: Progress | undefined;
  let printed: Progress | undefined;
  const print = () => {
    if (last === undefined || last === printed) return;
    printed = last;
    stream.write(`${progressLine(label, unit, last)}\n`);
  };
  const timer = setInterval(print, intervalMs);
  timer.unref();
  let stopped = false;
  return {
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

function barView(stream: NodeJS.WriteStream, label: string, unit: string): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {done}/{all} ${unit} | {chunks} chunks | {speed} ${unit}/s | ETA {etaText} | {failures} failed`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 8,
      // Without this, cli-progress draws nothing when it thinks the stream is not a terminal.
      noTTYOutput: !stream.isTTY,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  const payload = (p: Progress) => ({
    done: formatCount(p.entriesDone),
    all: formatCount(p.entriesTotal),
    chunks: `${formatCount(p.elementsDone)}/${formatCount(p.elementsTotal)}`,
    speed: formatCount(Math.round(p.rate)),
    etaText: eta(p),
    failures: formatCount(p.failures),
  });
  return {
    update(p) {
      if (stopped) return;
      if (!started) {
        started = true;
        bar.start(Math.max(p.entriesTotal, 1), p.entriesDone, payload(p));
        return;
      }
      bar.setTotal(Math.max(p.entriesTotal, 1));
      bar.update(p.entriesDone, payload(p));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (started) bar.stop();
    },
  };
}
