import { HistError } from './errors.ts';
import { type AxisBase, type AxisOptions, compareNameAndLabel, describeAxis, resolveAxisOptions } from './axis.ts';

/** JSON form of a {@link CategoryAxis}. */
export interface CategoryAxisJSON {
  type: 'category';
  name: string;
  label: string;
  categories: string[];
  growth: boolean;
}

/** Options of a category axis. */
export interface CategoryAxisOptions extends AxisOptions {
  /**
   * Whether an unseen category adds a bin (`true`: datasets, systematics) or goes to the overflow
   * bin (`false`). Growing axes have no overflow bin; adding two histograms unions their categories.
   * @defaultValue false
   */
  growth?: boolean;
}

/**
 * String categories. A fixed axis (`growth: false`) has one bin per category plus an overflow bin
 * that collects any other value; a growing axis (`growth: true`) appends a bin for each new value
 * in the order first seen, and has no overflow bin.
 */
export class CategoryAxis implements AxisBase {
  readonly kind = 'category' as const;
  readonly name: string;
  readonly label: string;
  readonly growth: boolean;
  readonly underflow = false;
  readonly #categories: string[];
  readonly #lookup = new Map<string, number>();

  constructor(categories: readonly string[], options: CategoryAxisOptions) {
    const { name, label } = resolveAxisOptions(options, 'category');
    const growth = options.growth;
    if (growth !== undefined && typeof growth !== 'boolean') {
      throw new HistError('E_HIST_AXIS', `Expected growth of category axis '${name}' to be a boolean, got ${String(options.growth)}`, {
        axis: name,
        field: 'growth',
      });
    }
    this.name = name;
    this.label = label;
    this.growth = growth ?? false;
    if (!Array.isArray(categories)) {
      throw new HistError('E_HIST_AXIS', `Expected an array of strings as categories of axis '${name}', got ${typeof categories}`, {
        axis: name,
        field: 'categories',
      });
    }
    this.#categories = [];
    for (const c of categories) {
      if (typeof c !== 'string' || this.#lookup.has(c)) {
        throw new HistError('E_HIST_AXIS', `Expected distinct string categories for axis '${name}', got ${JSON.stringify(c)} twice or not a string`, {
          axis: name,
          field: 'categories',
        });
      }
      this.#add(c);
    }
    if (!this.growth && this.#categories.length === 0) {
      throw new HistError('E_HIST_AXIS', `Expected at least one category for fixed category axis '${name}' (or growth: true), got none`, {
        axis: name,
        field: 'categories',
      });
    }
  }

  #add(category: string): number {
    const i = this.#categories.length;
    this.#categories.push(category);
    this.#lookup.set(category, i);
    return i;
  }

  /** The categories, in bin order. */
  get categories(): readonly string[] {
    return this.#categories;
  }

  get bins(): number {
    return this.#categories.length;
  }

  get overflow(): boolean {
    return !this.growth;
  }

  get extent(): number {
    return this.#categories.length + (this.growth ? 0 : 1);
  }

  /** The storage index of `value`: growing the axis when it may, else the overflow bin. */
  index(value: string): number {
    const i = this.#lookup.get(value);
    if (i !== undefined) return i;
    return this.growth ? this.#add(value) : this.#categories.length;
  }

  /**
   * The storage index of every value (a single string stands for `count` equal values). May grow
   * the axis: the caller reshapes storage when `extent` changed.
   */
  indexAll(values: readonly string[] | string, count: number): Int32Array | number {
    if (typeof values === 'string') return this.index(values);
    const out = new Int32Array(count);
    let last: string | undefined;
    let lastIdx = 0;
    for (let i = 0; i < count; i++) {
      const v = values[i] as string;
      // Categories come in runs (one dataset per chunk); skip the map look-up while they repeat.
      if (v !== last) {
        if (typeof v !== 'string') {
          throw new HistError('E_HIST_FILL', `Expected strings for category axis '${this.name}', got ${typeof v} at position ${i}`, {
            axis: this.name,
          });
        }
        last = v;
        lastIdx = this.index(v);
      }
      out[i] = lastIdx;
    }
    return out;
  }

  /**
   * Appends the categories of `other` that this axis lacks (growing axes only) and returns, for each
   * storage index of `other`, the storage index here.
   */
  unionWith(other: CategoryAxis): Int32Array {
    const map = new Int32Array(other.extent);
    other.categories.forEach((c, i) => {
      map[i] = this.index(c);
    });
    if (other.overflow) map[other.bins] = this.bins;
    return map;
  }

  /** What differs from `other` (growing axes differ only in name, label or growth), or `null`. */
  difference(other: unknown): { field: string; detail: string } | null {
    if (!(other instanceof CategoryAxis)) return { field: 'type', detail: `category vs ${describeAxis(other)}` };
    const nl = compareNameAndLabel(this, other);
    if (nl) return nl;
    if (this.growth !== other.growth) return { field: 'growth', detail: `${this.growth} vs ${other.growth}` };
    if (this.growth) return null;
    const a = this.#categories;
    const b = other.#categories;
    const same = a.length === b.length && a.every((c, i) => c === b[i]);
    return same ? null : { field: 'categories', detail: `${JSON.stringify(a)} vs ${JSON.stringify(b)}` };
  }

  clone(): CategoryAxis {
    return new CategoryAxis(this.#categories, { name: this.name, label: this.label, growth: this.growth });
  }

  toJSON(): CategoryAxisJSON {
    return { type: 'category', name: this.name, label: this.label, categories: [...this.#categories], growth: this.growth };
  }
}

/**
 * A string category axis. With `growth: true` it starts from the given categories (often none)
 * and adds one per new value filled; histograms from different workers merge by union.
 *
 * @example
 * ```ts
 * const h = new Hist(
 *   regular(60, 60, 120, { name: 'mass', label: 'm_{μμ} [GeV]' }),
 *   category([], { name: 'dataset', growth: true }),
 * );
 * h.fill({ mass: masses, dataset: 'DYJets' }); // one string stands for every entry
 * ```
 */
export function category(categories: readonly string[], options: CategoryAxisOptions): CategoryAxis {
  return new CategoryAxis(categories, options);
}
