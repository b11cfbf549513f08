import { restrict, type ChunkSizeFor, type Computable, type StepGenerator, type WorkElement } from '../protocol/computable.ts';
import type { ProcessorCodes } from '../protocol/processor-code.ts';
import type { Range } from '../protocol/range.ts';

/**
 * One computable over several, one after another: part k occupies
 * `[offset_k, offset_k + size_k)` of the index space. A resumed run uses it to add the files that
 * could only be prepared on resume after the parts already computed, without moving their ranges.
 * Chunk sizes (`sizeFor`, or `gen.next(n)`) go to the part being walked; `restrict` restricts each part.
 *
 * @example
 * ```ts
 * const both = concatComputables([first, late]); // late's ranges start at first.size
 * ```
 */
export function concatComputables<R>(parts: ReadonlyArray<Computable<R>>): Computable<R> {
  if (parts.length === 1) return parts[0]!;
  const offsets: number[] = [];
  let size = 0;
  for (const part of parts) {
    offsets.push(size);
    size += part.size;
  }
  const grouped = parts.some((p) => p.grouped === true);
  const groups = shiftedGroups(parts, offsets);
  const code = parts.some((p) => p.code !== undefined) ? Object.assign({}, ...parts.map((p) => p.code)) as ProcessorCodes : undefined;
  return {
    key: `concat(${parts.map((p) => p.key).join(' + ')})`,
    size,
    ...(code === undefined ? {} : { code }),
    ...(grouped ? { grouped } : {}),
    ...(groups.length === 0 ? {} : { groups }),
    *steps(sizeFor?: ChunkSizeFor): StepGenerator<R> {
      for (const [k, part] of parts.entries()) {
        const gen = part.steps(sizeFor);
        let sent: number | undefined;
        for (;;) {
          const next = gen.next(sent);
          if (next.done) break;
          sent = yield shift(next.value, offsets[k]!);
        }
      }
    },
    restrict(ranges: readonly Range[]): Computable<R> {
      return concatRestricted(
        parts.map((part, k) => {
          const lo = offsets[k]!;
          const hi = lo + part.size;
          const local: Range[] = [];
          for (const [a, b] of ranges) {
            const start = Math.max(a, lo);
            const stop = Math.min(b, hi);
            if (stop > start) local.push([start - lo, stop - lo]);
          }
          return restrict(part, local);
        }),
      );
    },
  };
}

/**
 * The parts' groups (datasets) at their place in the whole, so each is handed out when complete
 * (`onGroupComplete`, `--out-dir`). A dataset found in several parts is one group when its ranges
 * touch; otherwise it has no single range and is left out (its result still merges as usual).
 */
function shiftedGroups<R>(parts: ReadonlyArray<Computable<R>>, offsets: readonly number[]): Array<{ name: string; range: Range }> {
  const byName = new Map<string, Range[]>();
  for (const [k, part] of parts.entries()) {
    for (const { name, range } of part.groups ?? []) {
      if (range[1] <= range[0]) continue;
      const list = byName.get(name) ?? [];
      list.push([range[0] + offsets[k]!, range[1] + offsets[k]!]);
      byName.set(name, list);
    }
  }
  const groups: Array<{ name: string; range: Range }> = [];
  for (const [name, ranges] of byName) {
    ranges.sort((a, b) => a[0] - b[0]);
    let whole: Range | undefined = ranges[0]!;
    for (const r of ranges.slice(1)) whole = whole !== undefined && r[0] === whole[1] ? [whole[0], r[1]] : undefined;
    if (whole !== undefined) groups.push({ name, range: whole });
  }
  return groups;
}

// Restricted parts keep their sizes, so offsets stay the same; never collapse to one part here.
function concatRestricted<R>(parts: ReadonlyArray<Computable<R>>): Computable<R> {
  return parts.length === 1 ? parts[0]! : concatComputables(parts);
}

function shift<R>(element: WorkElement<R>, offset: number): WorkElement<R> {
  if (offset === 0) return element;
  const { split } = element;
  return {
    ...element,
    range: [element.range[0] + offset, element.range[1] + offset],
    ...(split === undefined
      ? {}
      : {
          split() {
            const halves = split.call(element);
            return halves === undefined ? undefined : [shift(halves[0], offset), shift(halves[1], offset)];
          },
        }),
  };
}
