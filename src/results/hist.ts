import type { Addable } from '../protocol/result.ts';
import { HistError } from './errors.ts';
import { mapPacked } from '../protocol/packed.ts';
import type { Axis } from './axes.ts';
import { CategoryAxis } from './category.ts';
import { type HistJSON, histToJSON, parseHistJSON } from './hist-json.ts';
import { forEachMapped, reshape, sizeOf, slice, stridesOf } from './storage.ts';
import { type FillData, type FillOptions, prepareFill, runFill } from './fill.ts';
// Registers the 'cortado.Hist' codec wherever Hist is imported (workers included).
import './hist-codec.ts';

/** Set while `fromStorage` builds a histogram whose storage it supplies: the constructor allocates none. */
let adopting = false;
const NO_STORAGE = new Float64Array(0);

/** Options of the read-out methods. */
export interface FlowOptions {
  /**
   * Whether to include flow bins (underflow, overflow, a fixed category axis's "other" bin).
   * @defaultValue false
   */
  flow?: boolean;
}

/** How a {@link Hist} stores its cells: see {@link Hist.storageKind}. */
export type HistStorageKind = 'double' | 'weight';

/**
 * A multi-dimensional histogram with weighted storage (sum of weights and sum of squared weights
 * per bin), built from axes. A histogram filled only without weights keeps no array of squared
 * weights (they equal the sums of weights: `'double'` storage, as scikit-hep's `hist.storage.Double`);
 * the first weighted fill, or adding a weighted histogram, makes it `'weight'` storage (a copy of
 * the sums, then the squared weights added). Every read-out is the same either way: only the
 * bytes it keeps, moves between threads and merges differ. It is `Addable`: `merge()` adds two histograms with equal axes, and
 * growing category axes merge by the union of their categories.
 *
 * Storage always keeps flow bins: values below a numeric axis go to underflow, values at or above
 * its end go to overflow, and so does NaN (as in boost-histogram); unknown strings on a fixed
 * category axis go to its overflow bin. Read-outs leave flow bins out unless `{ flow: true }`.
 *
 * @example
 * ```ts
 * import { Hist, regular, category } from 'cortado';
 *
 * const h = new Hist(
 *   regular(60, 60, 120, { name: 'mass', label: 'm_{μμ} [GeV]' }),
 *   category([], { name: 'dataset', growth: true }),
 * );
 * h.fill({ mass: new Float64Array([91.1, 90.2]), dataset: 'DYJets' }, { weight: 0.5 });
 * h.project('mass').values(); // Float64Array(60)
 * ```
 */
export class Hist implements Addable<Hist> {
  #axes: Axis[];
  #sumw: Float64Array;
  /** `undefined` while every fill was unweighted: the squared weights then equal `#sumw`. */
  #sumw2: Float64Array | undefined;

  /** A histogram over `axes` (copied: growing one histogram's axis never touches another's). */
  constructor(...axes: Axis[]) {
    if (axes.length === 0) throw new HistError('E_HIST_AXIS', 'Expected at least one axis for a Hist, got none');
    const seen = new Set<string>();
    for (const [i, axis] of axes.entries()) {
      if (typeof (axis as { clone?: unknown } | null)?.clone !== 'function') {
        throw new HistError('E_HIST_AXIS', `Expected an axis (regular(), variable(), integer(), category()) at position ${i}, got ${typeof axis}`);
      }
      if (seen.has(axis.name)) {
        throw new HistError('E_HIST_AXIS', `Expected distinct axis names, got '${axis.name}' twice`, { axis: axis.name, field: 'name' });
      }
      seen.add(axis.name);
    }
    this.#axes = mapPacked(axes, (a) => a.clone());
    const cells = sizeOf(this.#extents());
    if (cells > 2 ** 31 - 1) {
      throw new HistError('E_HIST_AXIS', `Expected at most 2147483647 cells (flow bins included), got ${cells} for axes ${this.#names()}`);
    }
    // fromStorage supplies the arrays: allocating (and zeroing) them here would be wasted.
    this.#sumw = adopting ? NO_STORAGE : new Float64Array(cells);
    this.#sumw2 = undefined;
  }

  /**
   * Builds a histogram from axes and storage arrays (flow bins included, row-major), taking
   * ownership of the arrays. Used by JSON, codecs and projections. Without `sumw2` the histogram
   * is unweighted (`'double'` storage: the squared weights equal `sumw`).
   *
   * @example
   * ```ts
   * const h = Hist.fromStorage([regular(2, 0, 2, { name: 'x' })], new Float64Array([0, 3, 1, 0]));
   * h.variances(); // Float64Array [3, 1]
   * ```
   */
  static fromStorage(axes: readonly Axis[], sumw: Float64Array, sumw2?: Float64Array): Hist {
    adopting = true;
    let h: Hist;
    try {
      h = new Hist(...axes);
    } finally {
      adopting = false;
    }
    const cells = sizeOf(h.#extents());
    if (sumw.length !== cells || (sumw2 !== undefined && sumw2.length !== cells)) {
      throw new HistError(
        'E_HIST_FORMAT',
        `Expected storage of ${cells} cells for axes ${h.#names()}, got sumw ${sumw.length} and ${sumw2 === undefined ? 'no sumw2' : `sumw2 ${sumw2.length}`}`,
      );
    }
    h.#sumw = sumw;
    h.#sumw2 = sumw2;
    return h;
  }

  /**
   * An independent copy: same axes, storage copied. Snapshots of a running task (`task.partial()`)
   * use it.
   *
   * @example
   * ```ts
   * const before = h.clone();
   * h.fill({ mass: [91] }); // `before` is unchanged
   * ```
   */
  clone(): Hist {
    return Hist.fromStorage(this.#axes, this.#sumw.slice(), this.#sumw2?.slice());
  }

  /**
   * Rebuilds a histogram from {@link Hist.toJSON} output (validated: `E_HIST_FORMAT` otherwise).
   * When every cell's `sumw2` equals its `sumw` bit for bit (an unweighted histogram's JSON), the
   * result keeps `'double'` storage: no read-out can tell the difference.
   */
  static fromJSON(json: unknown): Hist {
    const { axes, sumw, sumw2 } = parseHistJSON(json);
    return Hist.fromStorage(axes, sumw, sameBits(sumw, sumw2) ? undefined : sumw2);
  }

  /**
   * `'double'` while every fill was unweighted (no squared weights are kept: they equal the sums of
   * weights), `'weight'` once a weighted fill, or the addition of a weighted histogram, needed them.
   * A fill with `weight: 1` counts as unweighted.
   */
  get storageKind(): HistStorageKind {
    return this.#sumw2 === undefined ? 'double' : 'weight';
  }

  /** The axes, in storage order. */
  get axes(): readonly Axis[] {
    return this.#axes;
  }

  /** The axis called `name` (`E_HIST_AXIS` naming the axes there are when none is). */
  axis(name: string): Axis {
    const axis = this.#axes.find((a) => a.name === name);
    if (!axis) throw new HistError('E_HIST_AXIS', `Expected one of the axes ${this.#names()}, got '${name}'`, { axis: name });
    return axis;
  }

  /** Number of bins along each axis (flow bins included when `flow`). */
  shape(options: FlowOptions = {}): number[] {
    return options.flow ? this.#extents() : this.#axes.map((a) => a.bins);
  }

  /**
   * Fills entries: one array per axis (typed arrays or `number[]` for numeric axes, `string[]` for
   * category axes; a single number or string stands for every entry), all of one length, with an
   * optional weight per entry or for all. Returns `this`.
   *
   * @example
   * ```ts
   * h.fill({ mass: muonMass, dataset: 'DYJets' }, { weight: genWeight });
   * ```
   */
  fill(data: FillData, options: FillOptions = {}): this {
    const before = this.#extents();
    const prepared = prepareFill(this.#axes, data, options);
    // A growing category axis may have gained bins while its strings were indexed.
    const after = this.#extents();
    if (after.some((e, d) => e !== before[d])) this.#regrow(before, after);
    const w = prepared.weight;
    if (w !== undefined && w !== 1 && this.#sumw2 === undefined) this.#sumw2 = this.#sumw.slice();
    runFill(prepared, this.#axes, this.#sumw, this.#sumw2);
    return this;
  }

  /**
   * Adds `other` into this histogram (in place) and returns `this`. The axes must be equal in kind,
   * name, label and binning; growing category axes take the union of categories. Otherwise throws
   * `E_HIST_AXIS_MISMATCH` naming the axis and what differed.
   */
  add(other: Hist): Hist {
    if (!(other instanceof Hist)) {
      throw new HistError('E_HIST_AXIS_MISMATCH', `Expected a Hist to add, got ${typeof other === 'object' ? (other as object | null)?.constructor?.name : typeof other}`);
    }
    const mine = this.#axes;
    const theirs = other.#axes;
    if (mine.length !== theirs.length || mine.some((a, d) => a.name !== theirs[d]?.name)) {
      const missing = mine.find((a, d) => a.name !== theirs[d]?.name) ?? theirs[mine.length];
      throw new HistError(
        'E_HIST_AXIS_MISMATCH',
        `Cannot add histograms with axes ${this.#names()} and ${other.#names()}: axis '${missing?.name}' differs (axis names and order must match)`,
        { axis: missing?.name ?? '', field: 'axes' },
      );
    }
    for (const [d, a] of mine.entries()) {
      const diff = a.difference(theirs[d]);
      if (diff) {
        throw new HistError('E_HIST_AXIS_MISMATCH', `Cannot add histograms: axis '${a.name}' differs in ${diff.field}: ${diff.detail}`, {
          axis: a.name,
          field: diff.field,
        });
      }
    }
    const before = this.#extents();
    const maps = mapPacked(mine, (a, d) => (a instanceof CategoryAxis && a.growth ? a.unionWith(theirs[d] as CategoryAxis) : null));
    const after = this.#extents();
    if (after.some((e, d) => e !== before[d])) this.#regrow(before, after);
    const identity = maps.every((m, d) => m === null || (before[d] === other.#extents()[d] && m.every((j, i) => j === i)));
    // Adding a weighted histogram needs this one's squared weights: until now they were its sums.
    if (this.#sumw2 === undefined && other.#sumw2 !== undefined) this.#sumw2 = this.#sumw.slice();
    const sw = this.#sumw;
    const sw2 = this.#sumw2;
    const ow = other.#sumw;
    const ow2 = other.#sumw2 ?? ow;
    if (identity && sw.length === ow.length) {
      if (sw2 === undefined) {
        for (let i = 0; i < sw.length; i++) sw[i] = (sw[i] as number) + (ow[i] as number);
      } else {
        for (let i = 0; i < sw.length; i++) {
          sw[i] = (sw[i] as number) + (ow[i] as number);
          sw2[i] = (sw2[i] as number) + (ow2[i] as number);
        }
      }
    } else {
      forEachMapped(other.#extents(), maps, stridesOf(after), (s, d) => {
        sw[d] = (sw[d] as number) + (ow[s] as number);
        if (sw2 !== undefined) sw2[d] = (sw2[d] as number) + (ow2[s] as number);
      });
    }
    return this;
  }

  /** Sum of weights per bin, row-major (last axis fastest), flow bins left out unless `flow`. */
  values(options: FlowOptions = {}): Float64Array {
    return this.#read(this.#sumw, options);
  }

  /** Sum of squared weights per bin: the variance of each bin's value (Poisson, weighted). */
  variances(options: FlowOptions = {}): Float64Array {
    return this.#read(this.#sumw2 ?? this.#sumw, options);
  }

  /**
   * Effective number of entries per bin, `values² / variances` (boost-histogram's `counts()` for
   * weighted storage): the entry count when every weight is 1, and 0 for an empty bin.
   */
  counts(options: FlowOptions = {}): Float64Array {
    const w = this.values(options);
    const w2 = this.variances(options);
    for (let i = 0; i < w.length; i++) {
      const v2 = w2[i] as number;
      w[i] = v2 === 0 ? 0 : ((w[i] as number) * (w[i] as number)) / v2;
    }
    return w;
  }

  /** Sum of weights over all bins (flow bins included only when `flow`). */
  sum(options: FlowOptions = {}): number {
    const src = options.flow ? this.#sumw : this.values();
    let s = 0;
    for (let i = 0; i < src.length; i++) s += src[i] as number;
    return s;
  }

  /**
   * A new histogram over the named axes (in the order given), summing over every other axis,
   * flow bins included.
   *
   * @example
   * ```ts
   * const byDataset = h.project('dataset');   // 1-D over datasets
   * const swapped = h.project('dataset', 'mass');
   * ```
   */
  project(...names: string[]): Hist {
    if (names.length === 0) throw new HistError('E_HIST_AXIS', `Expected at least one axis name to project on, one of ${this.#names()}, got none`);
    const keep = names.map((n) => this.#axes.indexOf(this.axis(n)));
    if (new Set(keep).size !== keep.length) throw new HistError('E_HIST_AXIS', `Expected distinct axis names to project on, got ${JSON.stringify(names)}`);
    const axes = keep.map((d) => this.#axes[d] as Axis);
    const dstStrides = stridesOf(axes.map((a) => a.extent));
    const strides = this.#axes.map((_, d) => {
      const k = keep.indexOf(d);
      return k < 0 ? 0 : (dstStrides[k] as number);
    });
    const sumw = new Float64Array(sizeOf(axes.map((a) => a.extent)));
    const sw = this.#sumw;
    const sw2 = this.#sumw2;
    const sumw2 = sw2 === undefined ? undefined : new Float64Array(sumw.length);
    forEachMapped(this.#extents(), this.#axes.map(() => null), strides, (s, d) => {
      sumw[d] = (sumw[d] as number) + (sw[s] as number);
      if (sumw2 !== undefined) sumw2[d] = (sumw2[d] as number) + ((sw2 as Float64Array)[s] as number);
    });
    return Hist.fromStorage(axes, sumw, sumw2);
  }

  /** A deep copy. */
  copy(): Hist {
    return this.clone();
  }

  /** Zeroes every bin (axes, grown categories included, stay; so does the storage kind). */
  reset(): this {
    this.#sumw.fill(0);
    this.#sumw2?.fill(0);
    return this;
  }

  /**
   * The storage arrays themselves (flow bins included, row-major), for codecs and fast read-outs.
   * Mutating them mutates the histogram. An unweighted (`'double'`) histogram gets its `sumw2`
   * array here (a copy of `sumw`) and becomes `'weight'` storage; {@link Hist.cells} reads without that.
   */
  storage(): { sumw: Float64Array; sumw2: Float64Array } {
    // A spent histogram (its storage moved to another thread) has nothing to copy.
    if (this.#sumw2 === undefined) this.#sumw2 = this.#sumw.byteLength === 0 ? new Float64Array(0) : this.#sumw.slice();
    return { sumw: this.#sumw, sumw2: this.#sumw2 };
  }

  /**
   * The storage arrays as kept: `sumw2` is `undefined` for `'double'` storage (it equals `sumw`).
   * For codecs, which then move half the bytes. Mutating the arrays mutates the histogram.
   *
   * @example
   * ```ts
   * const { sumw, sumw2 } = h.cells();
   * const squared = sumw2 ?? sumw;
   * ```
   */
  cells(): { sumw: Float64Array; sumw2: Float64Array | undefined } {
    return { sumw: this.#sumw, sumw2: this.#sumw2 };
  }

  /** The stable JSON form documented at {@link HistJSON} (always with `sumw2`). */
  toJSON(): HistJSON {
    return histToJSON(this.#axes, this.#sumw, this.#sumw2 ?? this.#sumw);
  }

  /** `Hist(mass: regular 60 [60, 120), dataset: category 3; sum=1234)` */
  toString(): string {
    const axes = this.#axes.map((a) => {
      if (a.kind === 'category') return `${a.name}: category ${a.bins}${a.growth ? ' (growth)' : ''}`;
      return `${a.name}: ${a.kind} ${a.bins} [${a.edges[0]}, ${a.edges[a.bins]})`;
    });
    return `Hist(${axes.join(', ')}; sum=${this.sum()})`;
  }

  #extents(): number[] {
    return mapPacked(this.#axes, (a) => a.extent);
  }

  #names(): string {
    return `[${this.#axes.map((a) => `'${a.name}'`).join(', ')}]`;
  }

  #regrow(before: number[], after: number[]): void {
    this.#sumw = reshape(this.#sumw, before, after);
    if (this.#sumw2 !== undefined) this.#sumw2 = reshape(this.#sumw2, before, after);
  }

  #read(src: Float64Array, options: FlowOptions): Float64Array {
    if (options.flow) return src.slice();
    const extents = this.#extents();
    if (this.#axes.every((a) => !a.underflow && !a.overflow)) return src.slice();
    const lo = this.#axes.map((a) => (a.underflow ? 1 : 0));
    const hi = this.#axes.map((a, d) => (lo[d] as number) + a.bins);
    return slice(src, extents, lo, hi);
  }
}


/** Whether two arrays hold the same float64 bits in every cell (NaN equals NaN, -0 differs from +0). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    if (!Object.is(x, b[i] as number)) return false;
  }
  return true;
}
