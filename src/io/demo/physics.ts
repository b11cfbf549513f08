import { Random } from './random.ts';

/** Z boson mass and width (PDG), GeV. */
export const Z_MASS = 91.1876;
export const Z_WIDTH = 2.4952;
/** Muon mass, GeV. */
export const MUON_MASS = 0.10566;

const MAX_MUONS = 4;
const ETA_MAX = 2.4;
const PT_MIN = 3;

/** The mix of event kinds in a demo sample. */
export interface DemoPhysics {
  /** Fraction of events that are Z→μμ (before acceptance). */
  readonly signalFraction: number;
  /** Fraction of events that are Drell–Yan-like μμ pairs with a falling mass spectrum. */
  readonly continuumFraction: number;
  /** Mean of the exponential continuum mass above 12 GeV. */
  readonly continuumSlope: number;
}

/** Columns of a block of generated events (muons ordered by falling pt within an event). */
export interface DemoBlock {
  readonly events: number;
  readonly nMuon: Int32Array;
  /** `events + 1` offsets into the muon arrays. */
  readonly offsets: Int32Array;
  readonly pt: Float32Array;
  readonly eta: Float32Array;
  readonly phi: Float32Array;
  readonly mass: Float32Array;
  readonly charge: Int32Array;
  readonly metPt: Float32Array;
}

// Scratch space for the muons of one event (at most MAX_MUONS + a few before the cap).
class EventMuons {
  count = 0;
  readonly pt = new Float64Array(8);
  readonly eta = new Float64Array(8);
  readonly phi = new Float64Array(8);
  readonly charge = new Int32Array(8);

  add(pt: number, eta: number, phi: number, charge: number): void {
    if (pt < PT_MIN || Math.abs(eta) >= ETA_MAX || this.count >= this.pt.length) return;
    const i = this.count++;
    this.pt[i] = pt;
    this.eta[i] = eta;
    this.phi[i] = phi;
    this.charge[i] = charge;
  }
}

/**
 * Generates `events` synthetic NanoAOD-like events: a Z→μμ Breit–Wigner peak, a falling Drell–Yan
 * continuum and single soft muons, with NanoAOD acceptance (pt > 3 GeV, |eta| < 2.4).
 */
export function generateBlock(rng: Random, events: number, physics: DemoPhysics): DemoBlock {
  const nMuon = new Int32Array(events);
  const offsets = new Int32Array(events + 1);
  const capacity = events * MAX_MUONS;
  const pt = new Float32Array(capacity);
  const eta = new Float32Array(capacity);
  const phi = new Float32Array(capacity);
  const charge = new Int32Array(capacity);
  const metPt = new Float32Array(events);
  const muons = new EventMuons();
  const order = new Int32Array(8);
  const soft = [0.62, 0.3, 0.06, 0.02];
  let total = 0;
  for (let e = 0; e < events; e++) {
    muons.count = 0;
    const u = rng.uniform();
    if (u < physics.signalFraction) {
      decayPair(rng, muons, rng.breitWigner(Z_MASS, Z_WIDTH, 50, 150), rng.exponential(8));
    } else if (u < physics.signalFraction + physics.continuumFraction) {
      decayPair(rng, muons, 12 + rng.exponential(physics.continuumSlope), rng.exponential(5));
    }
    const extra = muons.count > 0 ? (rng.uniform() < 0.06 ? 1 : 0) + (rng.uniform() < 0.01 ? 1 : 0) : rng.choose(soft);
    for (let k = 0; k < extra; k++) {
      muons.add(PT_MIN + rng.exponential(6), (rng.uniform() * 2 - 1) * ETA_MAX, (rng.uniform() * 2 - 1) * Math.PI, rng.uniform() < 0.5 ? -1 : 1);
    }
    const n = Math.min(muons.count, MAX_MUONS);
    // Order by falling pt, as NanoAOD does (insertion sort of at most 8).
    for (let k = 0; k < muons.count; k++) {
      let j = k;
      while (j > 0 && muons.pt[order[j - 1]!]! < muons.pt[k]!) {
        order[j] = order[j - 1]!;
        j--;
      }
      order[j] = k;
    }
    for (let k = 0; k < n; k++) {
      const m = order[k]!;
      pt[total + k] = muons.pt[m]!;
      eta[total + k] = muons.eta[m]!;
      phi[total + k] = muons.phi[m]!;
      charge[total + k] = muons.charge[m]!;
    }
    nMuon[e] = n;
    total += n;
    offsets[e + 1] = total;
    metPt[e] = 12 * Math.hypot(rng.normal(), rng.normal());
  }
  const mass = new Float32Array(total).fill(MUON_MASS);
  return {
    events,
    nMuon,
    offsets,
    pt: pt.slice(0, total),
    eta: eta.slice(0, total),
    phi: phi.slice(0, total),
    mass,
    charge: charge.slice(0, total),
    metPt,
  };
}

// A boson of mass `m` and transverse momentum `qt` decaying isotropically to μ+μ-.
function decayPair(rng: Random, muons: EventMuons, m: number, qt: number): void {
  const y = 1.3 * rng.normal();
  const phiBoson = (rng.uniform() * 2 - 1) * Math.PI;
  const mt = Math.sqrt(m * m + qt * qt);
  const energy = mt * Math.cosh(y);
  const bx = (qt * Math.cos(phiBoson)) / energy;
  const by = (qt * Math.sin(phiBoson)) / energy;
  const bz = (mt * Math.sinh(y)) / energy;
  const p = Math.sqrt(Math.max(0, (m * m) / 4 - MUON_MASS * MUON_MASS));
  const cosTheta = rng.uniform() * 2 - 1;
  const sinTheta = Math.sqrt(1 - cosTheta * cosTheta);
  const phiStar = rng.uniform() * 2 * Math.PI;
  const px = p * sinTheta * Math.cos(phiStar);
  const py = p * sinTheta * Math.sin(phiStar);
  const pz = p * cosTheta;
  const e = m / 2;
  const b2 = bx * bx + by * by + bz * bz;
  const gamma = 1 / Math.sqrt(1 - b2);
  const first = rng.uniform() < 0.5 ? -1 : 1;
  for (const sign of [1, -1]) {
    // Lorentz boost of (e, ±p) by β.
    const bp = sign * (bx * px + by * py + bz * pz);
    const k = b2 > 0 ? ((gamma - 1) * bp) / b2 + gamma * e : 0;
    const lx = sign * px + k * bx;
    const ly = sign * py + k * by;
    const lz = sign * pz + k * bz;
    const lpt = Math.hypot(lx, ly);
    muons.add(lpt, Math.asinh(lz / lpt), Math.atan2(ly, lx), sign * first);
  }
}
