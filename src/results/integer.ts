import { HistError } from './errors.ts';
import {
  type AxisOptions,
  type NumericAxisBase,
  checkBinCount,
  compareNameAndLabel,
  describeAxis,
  resolveAxisOptions,
} from './axis.ts';

/** JSON form of an {@link IntegerAxis}. */
export interface IntegerAxisJSON {
  type: 'integer';
  name: string;
  label: string;
  start: number;
  stop: number;
}

/**
 * One bin per integer in `[start, stop)`, plus underflow and overflow (from `stop` up, and NaN).
 * A fractional value goes to the bin of its floor: 2.7 fills bin 2.
 */
export class IntegerAxis implements NumericAxisBase {
  readonly kind = 'integer' as const;
  readonly name: string;
  readonly label: string;
  readonly start: number;
  readonly stop: number;
  readonly bins: number;
  readonly underflow = true;
  readonly overflow = true;
  #edges: Float64Array | undefined;

  constructor(start: number, stop: number, options: AxisOptions) {
    const { name, label } = resolveAxisOptions(options, 'integer');
    this.name = name;
    this.label = label;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop)) {
      throw new HistError('E_HIST_AXIS', `Expected integer start and stop for integer axis '${name}', got start=${start}, stop=${stop}`, {
        axis: name,
        field: 'range',
      });
    }
    this.start = start;
    this.stop = stop;
    this.bins = checkBinCount(stop - start, 'bins (stop - start)', name);
  }

  get extent(): number {
    return this.bins + 2;
  }

  get edges(): Float64Array {
    if (this.#edges === undefined) {
      const e = new Float64Array(this.bins + 1);
      for (let i = 0; i <= this.bins; i++) e[i] = this.start + i;
      this.#edges = e;
    }
    return this.#edges;
  }

  index(x: number): number {
    if (x >= this.start) return x < this.stop ? Math.floor(x) - this.start + 1 : this.bins + 1;
    return x < this.start ? 0 : this.bins + 1;
  }

  indexBlock(values: ArrayLike<number>, from: number, count: number, out: Int32Array, stride: number, add: boolean): void {
    const start = this.start;
    const stop = this.stop;
    const over = this.bins + 1;
    for (let i = 0; i < count; i++) {
      const x = values[from + i] as number;
      const idx = (x >= start ? (x < stop ? Math.floor(x) - start + 1 : over) : x < start ? 0 : over) * stride;
      out[i] = add ? (out[i] as number) + idx : idx;
    }
  }

  /** What differs from `other`, or `null`. */
  difference(other: unknown): { field: string; detail: string } | null {
    if (!(other instanceof IntegerAxis)) return { field: 'type', detail: `integer vs ${describeAxis(other)}` };
    const nl = compareNameAndLabel(this, other);
    if (nl) return nl;
    if (this.start !== other.start || this.stop !== other.stop) {
      return { field: 'range', detail: `[${this.start}, ${this.stop}) vs [${other.start}, ${other.stop})` };
    }
    return null;
  }

  clone(): IntegerAxis {
    return new IntegerAxis(this.start, this.stop, { name: this.name, label: this.label });
  }

  toJSON(): IntegerAxisJSON {
    return { type: 'integer', name: this.name, label: this.label, start: this.start, stop: this.stop };
  }
}

/**
 * An integer axis: one bin per integer in `[start, stop)`, with underflow and overflow bins.
 *
 * @example
 * ```ts
 * const h = new Hist(integer(0, 10, { name: 'nMuon', label: 'N_{μ}' }));
 * ```
 */
export function integer(start: number, stop: number, options: AxisOptions): IntegerAxis {
  return new IntegerAxis(start, stop, options);
}
