import type { BranchInfo } from '../source.ts';
import { stubBasketStarts } from './basket-entries.ts';
import { resolveBranch } from './lazy-branches.ts';
import { branchLayout, type BranchLayout } from './layout.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- jsroot objects are untyped */

/**
 * The branches of a TTree by name, each described as a {@link BranchLayout} on first use: the
 * jsroot branch (possibly a lazy stub, see `makeBranchesLazy`) is streamed and decoded only when
 * its layout is asked for. Iterating values (or {@link infos}) resolves every branch.
 *
 * @example
 * ```ts
 * const layouts = new LazyLayouts(tree.fBranches.arr);
 * layouts.get('Muon_pt')?.kind; // 'float32', streaming only Muon_pt's TBranch
 * ```
 */
export class LazyLayouts implements ReadonlyMap<string, BranchLayout> {
  readonly #branches = new Map<string, any>();
  readonly #layouts = new Map<string, BranchLayout>();
  #infos: BranchInfo[] | undefined;

  /** Keeps `branches` (jsroot TBranch objects or stubs, in file order) by `fName`. */
  constructor(branches: Iterable<any>) {
    for (const branch of branches) {
      const name: string = branch.fName;
      if (!this.#branches.has(name)) this.#branches.set(name, branch);
    }
  }

  get size(): number {
    return this.#branches.size;
  }

  has(name: string): boolean {
    return this.#branches.has(name);
  }

  get(name: string): BranchLayout | undefined {
    const known = this.#layouts.get(name);
    if (known) return known;
    const branch = this.#branches.get(name);
    if (branch === undefined) return undefined;
    const layout = branchLayout(resolveBranch(branch));
    this.#layouts.set(name, layout);
    this.#branches.set(name, undefined); // the jsroot object is no longer needed
    return layout;
  }

  /**
   * First entry of each basket of branch `name` (as in its layout's `baskets`), read without
   * streaming the branch when it is still a stub; undefined for an unknown name.
   */
  basketStarts(name: string): readonly number[] | undefined {
    const branch = this.#branches.get(name);
    if (branch !== undefined && !this.#layouts.has(name)) {
      const raw = stubBasketStarts(branch);
      if (raw) return raw.starts;
    }
    return this.get(name)?.baskets.map((basket) => basket.start);
  }

  keys(): MapIterator<string> {
    return this.#branches.keys();
  }

  *values(): MapIterator<BranchLayout> {
    for (const name of this.#branches.keys()) yield this.get(name)!;
  }

  *entries(): MapIterator<[string, BranchLayout]> {
    for (const name of this.#branches.keys()) yield [name, this.get(name)!];
  }

  [Symbol.iterator](): MapIterator<[string, BranchLayout]> {
    return this.entries();
  }

  forEach(fn: (value: BranchLayout, key: string, map: ReadonlyMap<string, BranchLayout>) => void, thisArg?: unknown): void {
    for (const [name, layout] of this.entries()) fn.call(thisArg, layout, name, this);
  }

  /** The readable branches in file order (resolves every branch once). */
  infos(): readonly BranchInfo[] {
    if (this.#infos) return this.#infos;
    const out: BranchInfo[] = [];
    for (const layout of this.values()) if (layout.info) out.push(layout.info);
    this.#infos = out;
    return out;
  }
}
