import { HistError } from './errors.ts';
import { mapPacked } from '../protocol/packed.ts';
import type { Axis } from './axes.ts';
import { stridesOf } from './storage.ts';

/**
 * Values for one axis in a fill: numbers (a typed array, `number[]`, or one number for every
 * entry) for numeric axes; strings (`string[]`, or one string for every entry) for category axes.
 */
export type FillValues = ArrayLike<number> | number | readonly string[] | string;

/** What {@link Hist.fill} takes: values for every axis, by axis name. */
export type FillData = Readonly<Record<string, FillValues>>;

/** Options of {@link Hist.fill}. */
export interface FillOptions {
  /**
   * A weight per entry (array of the entries' length) or one weight for all.
   * @defaultValue 1
   */
  weight?: ArrayLike<number> | number;
}

/** One axis's input, resolved: numbers to bin, precomputed indices, or a constant index. */
type AxisInput =
  | { readonly kind: 'numbers'; readonly values: ArrayLike<number> }
  | { readonly kind: 'indices'; readonly indices: Int32Array }
  | { readonly kind: 'constant'; readonly index: number };

/** A validated fill, ready to run once storage has its final shape. */
export interface PreparedFill {
  readonly entries: number;
  readonly inputs: readonly AxisInput[];
  readonly weight: ArrayLike<number> | number | undefined;
}

// Entries are binned in blocks: the index scratch stays in L1 and one loop per axis stays monomorphic.
const BLOCK = 4096;
const scratch = new Int32Array(BLOCK);

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { length?: unknown }).length === 'number';
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : `an array of ${typeof v[0]}`;
  if (ArrayBuffer.isView(v)) return (v as object).constructor.name;
  return typeof v;
}

/**
 * Checks a fill against the axes and turns every input into a binnable form. Category strings are
 * indexed here, which may grow a category axis: the caller reshapes storage before {@link runFill}.
 */
export function prepareFill(axes: readonly Axis[], data: FillData, options: FillOptions): PreparedFill {
  if (typeof data !== 'object' || data === null) {
    throw new HistError('E_HIST_FILL', `Expected fill({ ${axes.map((a) => `${a.name}: values`).join(', ')} }), got ${describeValue(data)}`);
  }
  for (const key of Object.keys(data)) {
    if (!axes.some((a) => a.name === key)) {
      throw new HistError('E_HIST_FILL', `Expected values for the axes [${axes.map((a) => `'${a.name}'`).join(', ')}], got an unknown axis '${key}'`, {
        axis: key,
      });
    }
  }
  let entries = -1;
  let lengthFrom = '';
  const agree = (length: number, from: string): void => {
    if (entries === -1) {
      entries = length;
      lengthFrom = from;
    } else if (length !== entries) {
      throw new HistError('E_HIST_FILL', `Expected every fill array to have ${entries} entries (as ${lengthFrom} has), got ${length} for ${from}`, {
        axis: from,
      });
    }
  };
  for (const axis of axes) {
    const v = data[axis.name];
    if (v === undefined) {
      throw new HistError('E_HIST_FILL', `Expected values for axis '${axis.name}' in fill(), got none (axes: ${axes.map((a) => `'${a.name}'`).join(', ')})`, {
        axis: axis.name,
      });
    }
    if (isArrayLike(v)) agree(v.length, axis.name);
  }
  const weight = options.weight;
  if (weight !== undefined) {
    if (isArrayLike(weight)) agree(weight.length, 'weight');
    else if (typeof weight !== 'number') throw new HistError('E_HIST_FILL', `Expected weight to be a number or an array of numbers, got ${describeValue(weight)}`);
  }
  if (entries === -1) entries = 1;

  const inputs = mapPacked(axes, (axis): AxisInput => {
    const v = data[axis.name] as FillValues;
    if (axis.kind === 'category') {
      if (typeof v === 'string') return { kind: 'constant', index: axis.index(v) };
      if (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'string')) {
        return { kind: 'indices', indices: axis.indexAll(v as readonly string[], entries) as Int32Array };
      }
      throw new HistError('E_HIST_FILL', `Expected a string or an array of strings for category axis '${axis.name}', got ${describeValue(v)}`, {
        axis: axis.name,
      });
    }
    if (typeof v === 'number') return { kind: 'constant', index: axis.index(v) };
    const numeric = isArrayLike(v) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array) && (!Array.isArray(v) || v.length === 0 || typeof v[0] === 'number');
    if (!numeric) {
      throw new HistError('E_HIST_FILL', `Expected numbers (a typed array, number[] or a number) for ${axis.kind} axis '${axis.name}', got ${describeValue(v)}`, {
        axis: axis.name,
      });
    }
    return { kind: 'numbers', values: v as ArrayLike<number> };
  });
  return { entries, inputs, weight };
}

/**
 * Bins a prepared fill into storage laid out for the axes' current extents. Without `sumw2`
 * (unweighted storage) the fill must be unweighted (no weight, or 1): only `sumw` is counted.
 */
export function runFill(fill: PreparedFill, axes: readonly Axis[], sumw: Float64Array, sumw2: Float64Array | undefined): void {
  const strides = stridesOf(mapPacked(axes, (a) => a.extent));
  let offset = 0;
  const varying: number[] = [];
  fill.inputs.forEach((input, d) => {
    if (input.kind === 'constant') offset += input.index * (strides[d] as number);
    else varying.push(d);
  });
  const out = scratch;
  const weight = fill.weight;
  for (let from = 0; from < fill.entries; from += BLOCK) {
    const count = Math.min(BLOCK, fill.entries - from);
    if (varying.length === 0) out.fill(0, 0, count);
    for (const [k, d] of varying.entries()) {
      const input = fill.inputs[d] as AxisInput;
      const stride = strides[d] as number;
      if (input.kind === 'numbers') {
        const axis = axes[d];
        if (axis !== undefined && axis.kind !== 'category') axis.indexBlock(input.values, from, count, out, stride, k > 0);
      } else if (input.kind === 'indices') {
        addIndices(input.indices, from, count, out, stride, k > 0);
      }
    }
    if (sumw2 === undefined) {
      if (weight !== undefined && weight !== 1) throw new Error('a weighted fill needs sumw2');
      accumulateCounts(out, count, offset, sumw);
    } else if (weight === undefined) accumulateUnit(out, count, offset, sumw, sumw2);
    else if (typeof weight === 'number') accumulateScalar(out, count, offset, sumw, sumw2, weight);
    else accumulateWeights(out, count, offset, sumw, sumw2, weight, from);
  }
}

function addIndices(indices: Int32Array, from: number, count: number, out: Int32Array, stride: number, add: boolean): void {
  for (let i = 0; i < count; i++) {
    const idx = (indices[from + i] as number) * stride;
    out[i] = add ? (out[i] as number) + idx : idx;
  }
}

function accumulateCounts(out: Int32Array, count: number, offset: number, sumw: Float64Array): void {
  for (let i = 0; i < count; i++) {
    const j = (out[i] as number) + offset;
    sumw[j] = (sumw[j] as number) + 1;
  }
}

function accumulateUnit(out: Int32Array, count: number, offset: number, sumw: Float64Array, sumw2: Float64Array): void {
  for (let i = 0; i < count; i++) {
    const j = (out[i] as number) + offset;
    sumw[j] = (sumw[j] as number) + 1;
    sumw2[j] = (sumw2[j] as number) + 1;
  }
}

function accumulateScalar(out: Int32Array, count: number, offset: number, sumw: Float64Array, sumw2: Float64Array, w: number): void {
  const w2 = w * w;
  for (let i = 0; i < count; i++) {
    const j = (out[i] as number) + offset;
    sumw[j] = (sumw[j] as number) + w;
    sumw2[j] = (sumw2[j] as number) + w2;
  }
}

function accumulateWeights(
  out: Int32Array,
  count: number,
  offset: number,
  sumw: Float64Array,
  sumw2: Float64Array,
  weights: ArrayLike<number>,
  from: number,
): void {
  for (let i = 0; i < count; i++) {
    const j = (out[i] as number) + offset;
    const w = weights[from + i] as number;
    sumw[j] = (sumw[j] as number) + w;
    sumw2[j] = (sumw2[j] as number) + w * w;
  }
}
