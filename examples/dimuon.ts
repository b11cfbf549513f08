/**
 * The example analysis: muons and opposite-charge dimuon pairs, per dataset.
 *
 * Run it on any NanoAOD-like fileset (ROOT or Parquet, tree `Events`):
 *
 * ```sh
 * npx cortado run examples/dimuon.ts --fileset fileset.json --out result.json --plots plots/
 * ```
 *
 * or from code: `group.mapSteps(dimuon)` gives `{ [dataset]: DimuonResult }`.
 */
import { defineProcessor, filterPairs, Hist, oppositeCharge, pairMass, pairs, regular } from 'cortado';
import type { EventsInput } from 'cortado';

/** The NanoAOD columns the analysis reads (declared, so a chunk loads only these). */
export const DIMUON_COLUMNS = ['nMuon', 'Muon_pt', 'Muon_eta', 'Muon_phi', 'Muon_mass', 'Muon_charge'] as const;

/** Lower and upper edges of the Z mass window counted in the cutflow, in GeV. */
export const Z_WINDOW = [60, 120] as const;

/**
 * Counts after each step of the selection. All plain numbers, so two cutflows add key by key.
 */
export interface Cutflow {
  /** Events read. */
  events: number;
  /** Muons in those events. */
  muons: number;
  /** Events with at least two muons. */
  twoMuons: number;
  /** Muon pairs (every unordered pair within an event). */
  pairs: number;
  /** Pairs whose muons have opposite charges. */
  oppositeCharge: number;
  /** Opposite-charge pairs with a mass inside {@link Z_WINDOW}. */
  zWindow: number;
}

/** What the analysis gives per dataset. */
export interface DimuonResult {
  /** p_T of every muon. */
  pt: Hist;
  /** Invariant mass of every opposite-charge muon pair. */
  mass: Hist;
  cutflow: Cutflow;
}

/**
 * One chunk of events → a muon p_T histogram, an opposite-charge dimuon mass histogram and a cutflow.
 *
 * @example
 * ```ts
 * const { DYJets } = await backend.compute(group.mapSteps(dimuon)).result();
 * DYJets.mass.values(); // Float64Array(100), 1 GeV bins from 40 to 140 GeV
 * ```
 */
export function analyseDimuons({ events }: EventsInput): DimuonResult {
  const muons = events.Muon;
  const counts = muons.counts;
  const pt = new Hist(regular(100, 0, 200, { name: 'pt', label: 'p_{T}^{μ} [GeV]' }));
  pt.fill({ pt: muons.pt.values as ArrayLike<number> });

  const all = pairs(muons);
  const opposite = filterPairs(all, oppositeCharge(all, muons.charge));
  const masses = pairMass(opposite, muons).values;
  const mass = new Hist(regular(100, 40, 140, { name: 'mass', label: 'm_{μμ} [GeV]' }));
  mass.fill({ mass: masses });

  let twoMuons = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! >= 2) twoMuons++;
  let zWindow = 0;
  for (let k = 0; k < masses.length; k++) if (masses[k]! >= Z_WINDOW[0] && masses[k]! < Z_WINDOW[1]) zWindow++;
  const cutflow: Cutflow = {
    events: events.length,
    muons: muons.pt.values.length,
    twoMuons,
    pairs: all.first.length,
    oppositeCharge: opposite.first.length,
    zWindow,
  };
  return { pt, mass, cutflow };
}

/** The analysis as a processor every backend can run (worker threads load it by module and name). */
export const dimuon = defineProcessor(import.meta.url, 'dimuon', analyseDimuons, { columns: DIMUON_COLUMNS });
