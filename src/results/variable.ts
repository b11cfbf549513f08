import { HistError } from './errors.ts';
import {
  type AxisOptions,
  type NumericAxisBase,
  checkBinCount,
  compareNameAndLabel,
  describeAxis,
  resolveAxisOptions,
} from './axis.ts';

/** JSON form of a {@link VariableAxis}. */
export interface VariableAxisJSON {
  type: 'variable';
  name: string;
  label: string;
  edges: number[];
}

/**
 * Bins between strictly increasing `edges` (`edges.length - 1` bins), plus underflow (below the
 * first edge) and overflow (from the last edge up, and NaN). A value on an inner edge goes to the
 * bin above it.
 */
export class VariableAxis implements NumericAxisBase {
  readonly kind = 'variable' as const;
  readonly name: string;
  readonly label: string;
  readonly bins: number;
  readonly edges: Float64Array;
  readonly underflow = true;
  readonly overflow = true;

  constructor(edges: ArrayLike<number>, options: AxisOptions) {
    const { name, label } = resolveAxisOptions(options, 'variable');
    this.name = name;
    this.label = label;
    const e = Float64Array.from(edges as ArrayLike<number>);
    this.bins = checkBinCount(e.length - 1, 'bins (edges.length - 1)', name);
    for (let i = 0; i < e.length; i++) {
      const x = e[i] as number;
      if (!Number.isFinite(x) || (i > 0 && !(x > (e[i - 1] as number)))) {
        throw new HistError(
          'E_HIST_AXIS',
          `Expected strictly increasing finite edges for variable axis '${name}', got ${x} at position ${i} after ${i > 0 ? e[i - 1] : 'nothing'}`,
          { axis: name, field: 'edges' },
        );
      }
    }
    this.edges = e;
  }

  get extent(): number {
    return this.bins + 2;
  }

  index(x: number): number {
    const e = this.edges;
    const n = this.bins;
    if (!(x >= (e[0] as number))) return x < (e[0] as number) ? 0 : n + 1;
    if (x >= (e[n] as number)) return n + 1;
    // Largest i with e[i] <= x, by binary search over [0, n).
    let lo = 0;
    let hi = n;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((e[mid] as number) <= x) lo = mid;
      else hi = mid;
    }
    return lo + 1;
  }

  indexBlock(values: ArrayLike<number>, from: number, count: number, out: Int32Array, stride: number, add: boolean): void {
    for (let i = 0; i < count; i++) {
      const idx = this.index(values[from + i] as number) * stride;
      out[i] = add ? (out[i] as number) + idx : idx;
    }
  }

  /** What differs from `other`, or `null`. */
  difference(other: unknown): { field: string; detail: string } | null {
    if (!(other instanceof VariableAxis)) return { field: 'type', detail: `variable vs ${describeAxis(other)}` };
    const nl = compareNameAndLabel(this, other);
    if (nl) return nl;
    const same = this.edges.length === other.edges.length && this.edges.every((x, i) => x === other.edges[i]);
    return same ? null : { field: 'edges', detail: `[${this.edges.join(', ')}] vs [${other.edges.join(', ')}]` };
  }

  clone(): VariableAxis {
    return new VariableAxis(this.edges, { name: this.name, label: this.label });
  }

  toJSON(): VariableAxisJSON {
    return { type: 'variable', name: this.name, label: this.label, edges: Array.from(this.edges) };
  }
}

/**
 * A variable-width axis from its bin edges, with underflow and overflow bins.
 *
 * @example
 * ```ts
 * const h = new Hist(variable([0, 10, 20, 50, 100, 200], { name: 'pt', label: 'p_T [GeV]' }));
 * ```
 */
export function variable(edges: ArrayLike<number>, options: AxisOptions): VariableAxis {
  return new VariableAxis(edges, options);
}
