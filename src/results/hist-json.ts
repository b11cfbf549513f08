import { HistError } from './errors.ts';
import { lazySchema } from '../protocol/lazy-zod.ts';
import { type Axis, type AxisJSON, axisFromJSON, axisJSONSchema } from './axes.ts';
import { sizeOf } from './storage.ts';

/** A number in histogram JSON: non-finite sums (from NaN or infinite weights) are written as strings. */
export type JSONNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/**
 * The stable JSON form of a {@link Hist} (version 1):
 *
 * ```json
 * {
 *   "type": "cortado.Hist", "version": 1,
 *   "axes": [{ "type": "regular", "name": "mass", "label": "m_{μμ} [GeV]", "bins": 60, "start": 60, "stop": 120 }],
 *   "storage": "weight",
 *   "sumw":  [0, 1, 2, ...],
 *   "sumw2": [0, 1, 2, ...]
 * }
 * ```
 *
 * `sumw` and `sumw2` hold every cell, flow bins included, row-major over `axes` (the last axis
 * varies fastest). Regular, variable and integer axes have an underflow bin at index 0 and an
 * overflow bin at the end; a fixed category axis has an overflow bin at the end; a growing one has
 * none. Axis JSON: `regular {bins, start, stop}`, `variable {edges}`, `integer {start, stop}`,
 * `category {categories, growth}`, each with `name` and `label`.
 */
export interface HistJSON {
  type: 'cortado.Hist';
  version: 1;
  axes: AxisJSON[];
  storage: 'weight';
  sumw: JSONNumber[];
  sumw2: JSONNumber[];
}

const histJSONSchema = lazySchema((z) => {
  const jsonNumber = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
  return z.object({
    type: z.literal('cortado.Hist'),
    version: z.literal(1),
    axes: z.array(axisJSONSchema()).min(1),
    storage: z.literal('weight'),
    sumw: z.array(jsonNumber),
    sumw2: z.array(jsonNumber),
  });
});

function toJSONNumbers(values: Float64Array): JSONNumber[] {
  const out = new Array<JSONNumber>(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    out[i] = Number.isFinite(x) ? x : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  }
  return out;
}

function fromJSONNumbers(values: readonly JSONNumber[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as JSONNumber;
    out[i] = typeof x === 'number' ? x : Number(x);
  }
  return out;
}

/** Builds the JSON form of a histogram's axes and storage. */
export function histToJSON(axes: readonly Axis[], sumw: Float64Array, sumw2: Float64Array): HistJSON {
  return {
    type: 'cortado.Hist',
    version: 1,
    axes: axes.map((a) => a.toJSON()),
    storage: 'weight',
    sumw: toJSONNumbers(sumw),
    sumw2: toJSONNumbers(sumw2),
  };
}

/** Validates histogram JSON and rebuilds its axes and storage (`E_HIST_FORMAT` when it does not fit). */
export function parseHistJSON(json: unknown): { axes: Axis[]; sumw: Float64Array; sumw2: Float64Array } {
  const parsed = histJSONSchema().safeParse(json);
  if (!parsed.success) {
    const got = typeof json === 'object' && json !== null ? `an object with keys [${Object.keys(json).join(', ')}]` : JSON.stringify(json);
    throw new HistError(
      'E_HIST_FORMAT',
      `Expected histogram JSON { type: 'cortado.Hist', version: 1, axes, storage: 'weight', sumw, sumw2 }, got ${got}: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const axes = parsed.data.axes.map(axisFromJSON);
  const cells = sizeOf(axes.map((a) => a.extent));
  for (const key of ['sumw', 'sumw2'] as const) {
    if (parsed.data[key].length !== cells) {
      throw new HistError('E_HIST_FORMAT', `Expected ${cells} cells in histogram JSON '${key}' (flow bins included), got ${parsed.data[key].length}`);
    }
  }
  return { axes, sumw: fromJSONNumbers(parsed.data.sumw), sumw2: fromJSONNumbers(parsed.data.sumw2) };
}
