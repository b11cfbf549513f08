import { type Codec, registerCodec } from '../protocol/codec.ts';
import { HistError } from './errors.ts';
import { type AxisJSON, axisFromJSON } from './axes.ts';
import { Hist } from './hist.ts';

/**
 * What a {@link Hist} becomes on its way between threads: axis JSON plus the storage arrays.
 * An unweighted histogram travels as `storage: 'double'` with `sumw` alone (half the bytes); a
 * weighted one with `sumw2` too. An encoding without `storage` (written before unweighted storage
 * existed) is a weighted one and still decodes.
 */
export type EncodedHist =
  | { readonly axes: AxisJSON[]; readonly storage: 'double'; readonly sumw: Float64Array }
  | { readonly axes: AxisJSON[]; readonly storage?: 'weight'; readonly sumw: Float64Array; readonly sumw2: Float64Array };

/**
 * The codec that carries a {@link Hist} across threads as a `Hist`. The storage buffers go on the
 * transfer list, so they are moved, not copied: after encoding, the sender's histogram is spent
 * (its storage is detached), which is what a worker returning its result wants. An unweighted
 * histogram sends no squared weights (its storage kind is kept on the other side).
 *
 * Registered under the tag `'cortado.Hist'` as soon as `Hist` is imported.
 *
 * @example
 * ```ts
 * const transfer: ArrayBuffer[] = [];
 * const data = histCodec.encode(h, transfer);
 * const back = histCodec.decode(structuredClone(data, { transfer })); // a Hist
 * ```
 */
export const histCodec: Codec<Hist> = {
  tag: 'cortado.Hist',
  // `Hist` is read only when called, so this module and hist.ts may import each other.
  is: (value: unknown): value is Hist => value instanceof Hist,
  encode(hist: Hist, transfer: ArrayBuffer[]): EncodedHist {
    const { sumw, sumw2 } = hist.cells();
    for (const a of sumw2 === undefined ? [sumw] : [sumw, sumw2]) {
      // Only buffers the arrays own entirely are moved; a view on a larger buffer is cloned instead.
      if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) transfer.push(a.buffer);
    }
    const axes = hist.axes.map((a) => a.toJSON());
    return sumw2 === undefined ? { axes, storage: 'double', sumw } : { axes, storage: 'weight', sumw, sumw2 };
  },
  decode(data: unknown): Hist {
    const d = data as { axes?: unknown; storage?: unknown; sumw?: unknown; sumw2?: unknown } | null;
    const unweighted = d?.storage === 'double';
    if (
      !d ||
      !Array.isArray(d.axes) ||
      !(d.sumw instanceof Float64Array) ||
      (d.storage !== undefined && d.storage !== 'double' && d.storage !== 'weight') ||
      (unweighted ? d.sumw2 !== undefined : !(d.sumw2 instanceof Float64Array))
    ) {
      throw new HistError(
        'E_HIST_FORMAT',
        `Expected an encoded Hist { axes, storage: 'double', sumw: Float64Array } or { axes, storage?: 'weight', sumw: Float64Array, sumw2: Float64Array }, got ${describe(d)}`,
      );
    }
    return Hist.fromStorage((d.axes as AxisJSON[]).map(axisFromJSON), d.sumw, unweighted ? undefined : (d.sumw2 as Float64Array));
  },
};

function describe(d: { storage?: unknown } | null): string {
  if (d === null || typeof d !== 'object') return JSON.stringify(d) ?? String(d);
  const storage = d.storage === undefined ? '' : ` with storage ${JSON.stringify(d.storage)}`;
  return `keys ${JSON.stringify(Object.keys(d))}${storage}`;
}

registerCodec(histCodec);
