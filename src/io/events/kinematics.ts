import type { JaggedColumn } from '../columns.ts';
import { numericValues, type Pairs } from './pairs.ts';

/** The four fields a four-vector is built from: a collection such as `events.Muon` has them. */
export interface PtEtaPhiMass {
  readonly pt: JaggedColumn;
  readonly eta: JaggedColumn;
  readonly phi: JaggedColumn;
  readonly mass: JaggedColumn;
}

/** Cartesian four-vectors, one per pair (or object), with per-event offsets. */
export interface FourVectors {
  readonly offsets: Int32Array;
  readonly px: Float64Array;
  readonly py: Float64Array;
  readonly pz: Float64Array;
  readonly energy: Float64Array;
}

/**
 * Invariant mass of two objects given as (pt, eta, phi, mass), in float64.
 *
 * @example
 * ```ts
 * invariantMass(45, 0.1, 0, 0.10566, 45, -0.1, Math.PI, 0.10566); // ≈ 90.45
 * ```
 */
export function invariantMass(
  pt1: number, eta1: number, phi1: number, m1: number,
  pt2: number, eta2: number, phi2: number, m2: number,
): number {
  const px1 = pt1 * Math.cos(phi1);
  const py1 = pt1 * Math.sin(phi1);
  const pz1 = pt1 * Math.sinh(eta1);
  const px2 = pt2 * Math.cos(phi2);
  const py2 = pt2 * Math.sin(phi2);
  const pz2 = pt2 * Math.sinh(eta2);
  const e1 = Math.sqrt(px1 * px1 + py1 * py1 + pz1 * pz1 + m1 * m1);
  const e2 = Math.sqrt(px2 * px2 + py2 * py2 + pz2 * pz2 + m2 * m2);
  return massOf(px1 + px2, py1 + py2, pz1 + pz2, e1 + e2);
}

function massOf(px: number, py: number, pz: number, e: number): number {
  const m2 = e * e - px * px - py * py - pz * pz;
  return m2 > 0 ? Math.sqrt(m2) : 0;
}

/**
 * The summed four-vector of each pair, from the (pt, eta, phi, mass) fields of the collection
 * the pairs index into. One pass over typed arrays; no per-event objects.
 *
 * @example
 * ```ts
 * const z = pairP4(pairs(events.Muon), events.Muon);
 * ```
 */
export function pairP4(source: Pairs, p: PtEtaPhiMass): FourVectors {
  const pt = numericValues(p.pt, 'pt');
  const eta = numericValues(p.eta, 'eta');
  const phi = numericValues(p.phi, 'phi');
  const mass = numericValues(p.mass, 'mass');
  const { first, second } = source;
  const n = first.length;
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  const pz = new Float64Array(n);
  const energy = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = first[k]!;
    const b = second[k]!;
    const pta = pt[a]!;
    const ptb = pt[b]!;
    const xa = pta * Math.cos(phi[a]!);
    const ya = pta * Math.sin(phi[a]!);
    const za = pta * Math.sinh(eta[a]!);
    const xb = ptb * Math.cos(phi[b]!);
    const yb = ptb * Math.sin(phi[b]!);
    const zb = ptb * Math.sinh(eta[b]!);
    const ma = mass[a]!;
    const mb = mass[b]!;
    px[k] = xa + xb;
    py[k] = ya + yb;
    pz[k] = za + zb;
    energy[k] = Math.sqrt(xa * xa + ya * ya + za * za + ma * ma) + Math.sqrt(xb * xb + yb * yb + zb * zb + mb * mb);
  }
  return { offsets: source.offsets, px, py, pz, energy };
}

/**
 * The invariant mass of every pair, as a jagged column with the pairs' offsets.
 *
 * @example
 * ```ts
 * const dimuons = filterPairs(pairs(events.Muon), oppositeCharge(pairs(events.Muon), events.Muon.charge));
 * hist.fill(pairMass(dimuons, events.Muon).values);
 * ```
 */
export function pairMass(source: Pairs, p: PtEtaPhiMass): JaggedColumn<Float64Array> {
  const v = pairP4(source, p);
  const values = new Float64Array(v.px.length);
  for (let k = 0; k < values.length; k++) values[k] = massOf(v.px[k]!, v.py[k]!, v.pz[k]!, v.energy[k]!);
  return { offsets: source.offsets, values };
}

/** The invariant mass of each four-vector. */
export function massesOf(vectors: FourVectors): JaggedColumn<Float64Array> {
  const values = new Float64Array(vectors.px.length);
  for (let k = 0; k < values.length; k++) values[k] = massOf(vectors.px[k]!, vectors.py[k]!, vectors.pz[k]!, vectors.energy[k]!);
  return { offsets: vectors.offsets, values };
}

/** The transverse momentum of each four-vector. */
export function ptsOf(vectors: FourVectors): JaggedColumn<Float64Array> {
  const values = new Float64Array(vectors.px.length);
  for (let k = 0; k < values.length; k++) values[k] = Math.hypot(vectors.px[k]!, vectors.py[k]!);
  return { offsets: vectors.offsets, values };
}
