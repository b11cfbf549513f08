import type { Progress } from '../protocol/task.ts';
import { formatCount, formatDuration } from './format.ts';

/** One dataset's share of a run's progress. */
export interface GroupProgress {
  readonly name: string;
  readonly entriesDone: number;
  readonly entriesTotal: number;
}

/** What the bar lines show besides the task's own report. */
export interface BarFrame {
  /** What is being done (`run`, `resume`, `generate`). */
  readonly label: string;
  /** Units of the entries (`events`, `files`). */
  readonly unit: string;
  /** Units of the elements (`chunks`, `files`), or `undefined` to leave them out. */
  readonly chunkUnit: string | undefined;
  /** The true total of elements when known in advance (else the report's, which grows as work is dispatched). */
  readonly chunksTotal: number | undefined;
  /** One bar each, under the overall one. */
  readonly groups: readonly GroupProgress[];
  /** At most this many dataset lines; the rest are summed up in one line. */
  readonly maxGroupLines: number;
}

const FULL = '█';
const EMPTY = '░';
const MIN_BAR = 10;
const MAX_BAR = 40;
const MAX_NAME = 24;

/** The estimated time left, or `?` before any rate is known. */
export function eta(p: Pick<Progress, 'rate' | 'entriesDone' | 'entriesTotal'>): string {
  if (p.entriesDone >= p.entriesTotal) return '0 s';
  if (p.rate <= 0) return '?';
  return formatDuration(((p.entriesTotal - p.entriesDone) / p.rate) * 1000);
}

function percent(done: number, total: number): number {
  return total > 0 ? Math.floor((100 * Math.min(done, total)) / total) : 100;
}

function bar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : width;
  return `[${FULL.repeat(filled)}${EMPTY.repeat(width - filled)}]`;
}

function fitName(name: string, width: number): string {
  return name.length <= width ? name.padEnd(width) : `${name.slice(0, width - 1)}…`;
}

/**
 * The lines of the progress display for a terminal `width` columns wide: the overall bar (entries,
 * chunks, rate, ETA, failures), then one bar per dataset. Every line is shorter than `width`
 * (a full-width line would wrap on some terminals); when space is short the rate goes first, then
 * the chunk counts, while the ETA and the failure count stay.
 *
 * @example
 * ```ts
 * renderBars(80, progress, { label: 'run', unit: 'events', chunkUnit: 'chunks', chunksTotal: 40, groups: [], maxGroupLines: 10 });
 * ```
 */
export function renderBars(width: number, p: Progress, frame: BarFrame): string[] {
  const room = Math.max(20, width - 1);
  const shown = frame.groups.slice(0, frame.groups.length > frame.maxGroupLines ? Math.max(0, frame.maxGroupLines - 1) : frame.groups.length);
  const nameWidth = Math.min(MAX_NAME, Math.max(frame.label.length - 2, ...shown.map((g) => g.name.length)));
  const chunksTotal = Math.max(frame.chunksTotal ?? 0, p.elementsTotal);
  const pct = `${String(percent(p.entriesDone, p.entriesTotal)).padStart(3)}%`;
  const counts = `${formatCount(p.entriesDone)}/${formatCount(p.entriesTotal)} ${frame.unit}`;
  const optional = [
    { key: 'chunks', text: frame.chunkUnit === undefined ? '' : `${formatCount(p.elementsDone)}/${formatCount(chunksTotal)} ${frame.chunkUnit}` },
    { key: 'rate', text: `${formatCount(Math.round(p.rate))} ${frame.unit}/s` },
    { key: 'eta', text: `ETA ${eta(p)}` },
    { key: 'failed', text: `${formatCount(p.failures)} failed` },
  ].filter((s) => s.text !== '');
  const head = fitName(frame.label, nameWidth + 2);
  const main = (barWidth: number) => `${head} ${bar(p.entriesDone, p.entriesTotal, barWidth)} ${pct} ${counts}`;
  const stats = (kept: typeof optional) => kept.map((s) => s.text).join(' | ');
  const lines: string[] = [];
  let barWidth: number;
  if (`${main(MIN_BAR)} | ${stats(optional)}`.length <= room) {
    // Everything on one line, the bar as wide as what is left (up to MAX_BAR).
    barWidth = Math.max(MIN_BAR, Math.min(MAX_BAR, room - `${main(0)} | ${stats(optional)}`.length));
    lines.push(`${main(barWidth)} | ${stats(optional)}`);
  } else {
    // A narrow terminal: the counts go on a second line, the rate left out first if still too long.
    barWidth = Math.max(MIN_BAR, Math.min(MAX_BAR, room - main(0).length));
    const indent = ' '.repeat(nameWidth + 3);
    let kept = optional;
    if (`${indent}${stats(kept)}`.length > room) kept = kept.filter((s) => s.key !== 'rate');
    lines.push(clip(main(barWidth), room), clip(`${indent}${stats(kept)}`, room));
  }
  for (const g of shown) {
    const text = `  ${fitName(g.name, nameWidth)} ${bar(g.entriesDone, g.entriesTotal, barWidth)} ${String(percent(g.entriesDone, g.entriesTotal)).padStart(3)}% ${formatCount(g.entriesDone)}/${formatCount(g.entriesTotal)} ${frame.unit}`;
    lines.push(clip(text, room));
  }
  const rest = frame.groups.slice(shown.length);
  if (rest.length > 0) {
    const complete = rest.filter((g) => g.entriesDone >= g.entriesTotal).length;
    lines.push(clip(`  … ${rest.length} more datasets (${complete} complete)`, room));
  }
  return lines;
}

function clip(line: string, room: number): string {
  return line.length <= room ? line : `${line.slice(0, room - 1)}…`;
}
