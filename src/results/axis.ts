import { lazySchema } from '../protocol/lazy-zod.ts';
import { HistError } from './errors.ts';

/** Options every axis takes. */
export interface AxisOptions {
  /** The axis name: the key used in `fill({ [name]: values })` and in `project(name)`. */
  name: string;
  /**
   * What the axis shows, with units, in the plot mini-markup: `'m_{μμ} [GeV]'`, `'p_T [GeV]'`, `'\\eta'`.
   * @defaultValue the `name`, shown literally (no markup)
   */
  label?: string;
}

/** zod schema of {@link AxisOptions}, built on first use; the single source of truth for names and labels. */
export const axisOptionsSchema = lazySchema((z) =>
  z.object({
    name: z.string().min(1, 'an axis needs a non-empty name'),
    label: z.string().optional(),
  }),
);

/** Validates axis options, throwing `E_HIST_AXIS` with what was expected and what came. */
export function resolveAxisOptions(options: unknown, axisKind: string): { name: string; label: string } {
  // A worker thread builds histograms per chunk: well-formed options (a subset of what the schema
  // accepts) pass without loading zod; anything else goes to the schema, which decides.
  const o = options as { name?: unknown; label?: unknown } | null;
  if (typeof o === 'object' && o !== null && !Array.isArray(o) && typeof o.name === 'string' && o.name.length > 0 && (o.label === undefined || typeof o.label === 'string')) {
    return { name: o.name, label: o.label ?? o.name };
  }
  const parsed = axisOptionsSchema().safeParse(options);
  if (!parsed.success) {
    throw new HistError(
      'E_HIST_AXIS',
      `Expected ${axisKind} axis options { name: string, label?: string }, got ${JSON.stringify(options)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  return { name: parsed.data.name, label: parsed.data.label ?? parsed.data.name };
}

/** What all axes share. Storage always holds flow bins; `extent` counts them, `bins` does not. */
export interface AxisBase {
  readonly name: string;
  /** The label in plot mini-markup; equals `name` when none was given. */
  readonly label: string;
  /** Number of bins without flow bins (categories for a category axis). */
  readonly bins: number;
  /** Number of bins in storage, flow bins included. */
  readonly extent: number;
  /** Whether storage index 0 is an underflow bin. */
  readonly underflow: boolean;
  /** Whether the last storage index is an overflow bin (values above range, NaN, unknown categories). */
  readonly overflow: boolean;
}

/** Bins of a numeric axis: regular, variable or integer. */
export interface NumericAxisBase extends AxisBase {
  readonly kind: 'regular' | 'variable' | 'integer';
  /** The `bins + 1` bin edges, low to high. */
  readonly edges: Float64Array;
  /** The storage index (flow included) of one value. */
  index(x: number): number;
  /**
   * Writes `index(values[from + i]) * stride` into `out[i]` for `i < count` (or adds it, when `add`).
   * The block form lets one fill loop serve every axis kind at typed-array speed.
   */
  indexBlock(values: ArrayLike<number>, from: number, count: number, out: Int32Array, stride: number, add: boolean): void;
}

/** Throws `E_HIST_AXIS` unless `n` is an integer from 1 to 2^24 (a storage size we can index with int32). */
export function checkBinCount(n: unknown, what: string, axisName: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2 ** 24) {
    throw new HistError('E_HIST_AXIS', `Expected ${what} of axis '${axisName}' to be an integer from 1 to 16777216, got ${String(n)} (${typeof n})`, {
      axis: axisName,
      field: what,
    });
  }
  return n;
}

/** Compares the name and label of two axes; returns what differed, or `null`. */
export function compareNameAndLabel(a: AxisBase, b: AxisBase): { field: string; detail: string } | null {
  if (a.name !== b.name) return { field: 'name', detail: `'${a.name}' vs '${b.name}'` };
  if (a.label !== b.label) return { field: 'label', detail: `'${a.label}' vs '${b.label}'` };
  return null;
}

/** Names an axis kind for error messages: `regular`, `category`, or the JS type. */
export function describeAxis(axis: unknown): string {
  const kind = (axis as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : typeof axis;
}
