import { type Codec, registerCodec } from '../protocol/codec.ts';
import { HistError } from './errors.ts';
import { type AxisJSON, axisFromJSON } from './axes.ts';
import { Hist } from './hist.ts';

/** What a {@link Hist} becomes on its way between threads: axis JSON plus the storage arrays. */
export interface EncodedHist {
  readonly axes: AxisJSON[];
  readonly sumw: Float64Array;
  readonly sumw2: Float64Array;
}

/**
 * The codec that carries a {@link Hist} across threads as a `Hist`. The storage buffers go on the
 * transfer list, so they are moved, not copied: after encoding, the sender's histogram is spent
 * (its storage is detached), which is what a worker returning its result wants.
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
    const { sumw, sumw2 } = hist.storage();
    for (const a of [sumw, sumw2]) {
      // Only buffers the arrays own entirely are moved; a view on a larger buffer is cloned instead.
      if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) transfer.push(a.buffer);
    }
    return { axes: hist.axes.map((a) => a.toJSON()), sumw, sumw2 };
  },
  decode(data: unknown): Hist {
    const d = data as Partial<EncodedHist> | null;
    if (!d || !Array.isArray(d.axes) || !(d.sumw instanceof Float64Array) || !(d.sumw2 instanceof Float64Array)) {
      throw new HistError('E_HIST_FORMAT', `Expected an encoded Hist { axes, sumw: Float64Array, sumw2: Float64Array }, got ${JSON.stringify(Object.keys(d ?? {}))}`);
    }
    return Hist.fromStorage(d.axes.map(axisFromJSON), d.sumw, d.sumw2);
  },
};

registerCodec(histCodec);
