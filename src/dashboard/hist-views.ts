import { Hist } from '../results/hist.ts';
import { findHists } from '../results/plot/write.ts';
import type { HistView } from './records.ts';

/**
 * Every histogram in a result tree as the page draws it: along its first numeric axis (the others
 * summed over), or along its category axis when it has no numeric one; flow bins left out.
 *
 * @example
 * ```ts
 * histViews({ DY: { mass } }); // [{ key: 'DY/mass', label: 'm_μμ [GeV]', edges: [...], values: [...] }]
 * ```
 */
export function histViews(result: unknown): HistView[] {
  return findHists(result).map(({ path, hist }) => view(path.join('/') || 'hist', hist));
}

function view(key: string, hist: Hist): HistView {
  const axis = hist.axes.find((a) => a.kind !== 'category') ?? hist.axes[0];
  if (axis === undefined) return { key, label: '', values: [], entries: 0 };
  const projected = hist.axes.length === 1 ? hist : hist.project(axis.name);
  const values = Array.from(projected.values());
  const entries = values.reduce((a, b) => a + b, 0);
  const label = axis.label || axis.name;
  if (axis.kind === 'category') return { key, label, categories: [...(axis as unknown as { categories: string[] }).categories], values, entries };
  return { key, label, edges: Array.from((axis as { edges: Float64Array }).edges), values, entries };
}
