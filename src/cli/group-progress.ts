import type { Computable } from '../protocol/computable.ts';
import type { Range } from '../protocol/range.ts';
import type { GroupProgress } from './progress-render.ts';

/** Where each dataset's work lies in the index space, and how many chunks there are. */
export interface WorkLayout {
  /** Each dataset's element ranges, sorted. */
  readonly groups: ReadonlyArray<{ readonly name: string; readonly ranges: readonly Range[]; readonly entries: number }>;
  /** Elements (chunks) the computable yields. */
  readonly chunks: number;
}

/**
 * Walks a computable's elements once (without running anything) to learn the true number of
 * chunks and each dataset's ranges, so the progress display can show totals from the start
 * instead of counts that grow as work is dispatched.
 *
 * @example
 * ```ts
 * const layout = workLayout(computable); // { chunks: 40, groups: [{ name: 'DY', ranges: [[0, 2000]], entries: 2000 }] }
 * ```
 */
export function workLayout(computable: Computable<unknown>): WorkLayout {
  const byName = new Map<string, { name: string; ranges: Array<[number, number]>; entries: number }>();
  let chunks = 0;
  for (const element of computable.steps()) {
    chunks++;
    if (element.group === undefined) continue;
    let group = byName.get(element.group);
    if (group === undefined) byName.set(element.group, (group = { name: element.group, ranges: [], entries: 0 }));
    const last = group.ranges[group.ranges.length - 1];
    if (last !== undefined && last[1] === element.range[0]) last[1] = element.range[1];
    else group.ranges.push([element.range[0], element.range[1]]);
    group.entries += element.range[1] - element.range[0];
  }
  return { groups: [...byName.values()], chunks };
}

/** Each dataset's entries done: the overlap of its ranges with `completed` (both sorted). */
export function groupProgress(layout: WorkLayout, completed: readonly Range[]): GroupProgress[] {
  return layout.groups.map((g) => ({ name: g.name, entriesDone: overlap(g.ranges, completed), entriesTotal: g.entries }));
}

function overlap(a: readonly Range[], b: readonly Range[]): number {
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (hi > lo) total += hi - lo;
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return total;
}
