import { HistError } from './errors.ts';
import {
  type AxisOptions,
  type NumericAxisBase,
  checkBinCount,
  compareNameAndLabel,
  describeAxis,
  resolveAxisOptions,
} from './axis.ts';

/** JSON form of a {@link RegularAxis}. */
export interface RegularAxisJSON {
  type: 'regular';
  name: string;
  label: string;
  bins: number;
  start: number;
  stop: number;
}

/**
 * `bins` equal bins over `[start, stop)`, plus an underflow bin (values below `start`) and an
 * overflow bin (values from `stop` up, and NaN). A value exactly on an inner edge goes to the bin
 * above it; `stop` itself goes to overflow.
 */
export class RegularAxis implements NumericAxisBase {
  readonly kind = 'regular' as const;
  readonly name: string;
  readonly label: string;
  readonly bins: number;
  readonly start: number;
  readonly stop: number;
  readonly underflow = true;
  readonly overflow = true;
  readonly #scale: number;
  #edges: Float64Array | undefined;

  constructor(bins: number, start: number, stop: number, options: AxisOptions) {
    const { name, label } = resolveAxisOptions(options, 'regular');
    this.name = name;
    this.label = label;
    this.bins = checkBinCount(bins, 'bins', name);
    if (!Number.isFinite(start) || !Number.isFinite(stop) || !(stop > start)) {
      throw new HistError('E_HIST_AXIS', `Expected finite start < stop for regular axis '${name}', got start=${start}, stop=${stop}`, {
        axis: name,
        field: 'range',
      });
    }
    this.start = start;
    this.stop = stop;
    this.#scale = bins / (stop - start);
  }

  get extent(): number {
    return this.bins + 2;
  }

  get edges(): Float64Array {
    if (this.#edges === undefined) {
      const e = new Float64Array(this.bins + 1);
      const width = this.stop - this.start;
      for (let i = 0; i <= this.bins; i++) e[i] = this.start + (i / this.bins) * width;
      e[this.bins] = this.stop;
      this.#edges = e;
    }
    return this.#edges;
  }

  index(x: number): number {
    const bins = this.bins;
    if (x >= this.start) {
      if (x >= this.stop) return bins + 1;
      const k = ((x - this.start) * this.#scale) | 0;
      return (k >= bins ? bins - 1 : k) + 1;
    }
    return x < this.start ? 0 : bins + 1; // NaN → overflow
  }

  indexBlock(values: ArrayLike<number>, from: number, count: number, out: Int32Array, stride: number, add: boolean): void {
    const start = this.start;
    const stop = this.stop;
    const scale = this.#scale;
    const bins = this.bins;
    const last = bins - 1;
    const over = bins + 1;
    for (let i = 0; i < count; i++) {
      const x = values[from + i] as number;
      let idx: number;
      if (x >= start) {
        if (x < stop) {
          const k = ((x - start) * scale) | 0;
          idx = (k > last ? last : k) + 1;
        } else idx = over;
      } else idx = x < start ? 0 : over;
      if (add) out[i] = (out[i] as number) + idx * stride;
      else out[i] = idx * stride;
    }
  }

  /** What differs from `other` (`null` when the two bin alike and carry the same name and label). */
  difference(other: unknown): { field: string; detail: string } | null {
    if (!(other instanceof RegularAxis)) return { field: 'type', detail: `regular vs ${describeAxis(other)}` };
    const nl = compareNameAndLabel(this, other);
    if (nl) return nl;
    if (this.bins !== other.bins) return { field: 'bins', detail: `${this.bins} vs ${other.bins}` };
    if (this.start !== other.start || this.stop !== other.stop) {
      return { field: 'range', detail: `[${this.start}, ${this.stop}) vs [${other.start}, ${other.stop})` };
    }
    return null;
  }

  clone(): RegularAxis {
    return new RegularAxis(this.bins, this.start, this.stop, { name: this.name, label: this.label });
  }

  toJSON(): RegularAxisJSON {
    return { type: 'regular', name: this.name, label: this.label, bins: this.bins, start: this.start, stop: this.stop };
  }
}

/**
 * A regular axis: `bins` equal bins over `[start, stop)`, with underflow and overflow bins.
 *
 * @example
 * ```ts
 * const h = new Hist(regular(60, 60, 120, { name: 'mass', label: 'm_{μμ} [GeV]' }));
 * h.fill({ mass: new Float64Array([91.2, 89.9]) });
 * ```
 */
export function regular(bins: number, start: number, stop: number, options: AxisOptions): RegularAxis {
  return new RegularAxis(bins, start, stop, options);
}
