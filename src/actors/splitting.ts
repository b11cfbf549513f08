import type { WorkElement } from '../protocol/computable.ts';
import type { BatchItem } from './batch.ts';

/**
 * An element that ran out of memory or time, and the pieces it was halved into while no piece of
 * it has succeeded yet.
 */
interface Family {
  /** The element whose range the family covers. */
  readonly root: WorkElement;
  /** Second halves waiting for the piece before them: they run once splitting has helped. */
  held: BatchItem[];
  /** Whether a piece of it has succeeded: then its held halves run, and a piece that fails again starts a family of its own. */
  progressed: boolean;
}

interface Lineage {
  readonly family: Family;
  /** Halvings from the family's root. */
  readonly depth: number;
}

/** What to do with an element that ran out of memory or time. */
export type ExhaustedStep =
  /** Run `item` (the first half) now; its second half waits. */
  | { readonly kind: 'split'; readonly item: BatchItem }
  /**
   * Splitting has not helped down to the floor: the error policy applies once, to `root` (the
   * element as it was before splitting). `held` are its pieces that never ran.
   */
  | { readonly kind: 'floor'; readonly root: WorkElement; readonly held: number; readonly drop: () => void };

/**
 * Splitting of elements that run out of memory or time (`E_WORKER_OOM`, `E_ELEMENT_TIMEOUT`),
 * depth first and bounded: such an element is halved (`WorkElement.split()`), its first half runs
 * and its second half waits; without spending a retry. When a piece succeeds, splitting helped:
 * the waiting halves run (in parallel), and a piece of them that fails again is split the same
 * way, as an element of its own. When none has succeeded after `depth` halvings (or a piece cannot
 * split), the element fails at every size tried: the error policy applies once, to the whole
 * element, and its waiting halves are not run. So an element that exhausts its worker at any size
 * costs `depth + 1` runs, one element at a time; one bad entry is isolated in about
 * 2·log2(entries) runs.
 *
 * Plain data kept by `RunState`; elements are looked up by identity (retries keep the element).
 *
 * @example
 * ```ts
 * const splitter = new Splitter(3);
 * const step = splitter.exhausted({ element, attempt: 1 });
 * if (step.kind === 'split') ready.push(step.item);
 * ```
 */
export class Splitter {
  readonly #depth: number;
  readonly #lineage = new WeakMap<WorkElement, Lineage>();
  #used = false;

  constructor(depth: number) {
    this.#depth = depth;
  }

  /** Decides what happens to `item`, which ran out of memory or time. */
  exhausted(item: BatchItem): ExhaustedStep {
    const known = this.#lineage.get(item.element);
    const fresh = known === undefined || known.family.progressed;
    const family: Family = fresh ? { root: item.element, held: [], progressed: false } : known.family;
    const depth = fresh ? 0 : known.depth;
    const halves = depth < this.#depth ? item.element.split?.() : undefined;
    if (halves !== undefined) {
      this.#used = true;
      for (const half of halves) this.#lineage.set(half, { family, depth: depth + 1 });
      // A split is not a retry: each half starts with the attempts the whole had used.
      family.held.push({ element: halves[1], attempt: item.attempt });
      return { kind: 'split', item: { element: halves[0], attempt: item.attempt } };
    }
    return {
      kind: 'floor',
      root: family.root,
      held: family.held.length,
      drop: () => {
        family.held = [];
        family.progressed = true;
      },
    };
  }

  /**
   * `element` is done with (it succeeded, or failed for good with an error other than exhaustion):
   * the halves waiting for it are returned to run, and a piece of its family that runs out of
   * memory or time again starts a family of its own (so failures never overlap).
   */
  settled(element: WorkElement): BatchItem[] {
    if (!this.#used) return [];
    const family = this.#lineage.get(element)?.family;
    if (family === undefined) return [];
    family.progressed = true;
    const released = family.held;
    family.held = [];
    return released;
  }
}
