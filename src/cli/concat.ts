import { restrict, type ChunkSizeFor, type Computable, type StepGenerator, type WorkElement } from '../protocol/computable.ts';
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
  return {
    key: `concat(${parts.map((p) => p.key).join(' + ')})`,
    size,
    ...(grouped ? { grouped } : {}),
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
