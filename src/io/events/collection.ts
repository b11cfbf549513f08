import type { JaggedColumn, NumericArray } from '../columns.ts';

/** Fields every NanoAOD physics object has. */
export type KinematicField = 'pt' | 'eta' | 'phi' | 'mass';
/** Common NanoAOD `Muon_*` fields. */
export type MuonField =
  | KinematicField
  | 'charge' | 'dxy' | 'dz' | 'pfRelIso03_all' | 'pfRelIso04_all' | 'tightId' | 'mediumId' | 'looseId' | 'softId'
  | 'isGlobal' | 'isTracker' | 'isPFcand' | 'genPartIdx' | 'jetIdx';
/** Common NanoAOD `Electron_*` fields. */
export type ElectronField =
  | KinematicField
  | 'charge' | 'dxy' | 'dz' | 'pfRelIso03_all' | 'cutBased' | 'mvaFall17V2Iso_WP90' | 'genPartIdx' | 'jetIdx';
/** Common NanoAOD `Jet_*` fields. */
export type JetField =
  | KinematicField
  | 'area' | 'btagDeepB' | 'btagDeepFlavB' | 'jetId' | 'puId' | 'hadronFlavour' | 'partonFlavour' | 'nConstituents';
/** Common NanoAOD `Photon_*` fields. */
export type PhotonField = KinematicField | 'charge' | 'cutBased' | 'pfRelIso03_all';
/** Common NanoAOD `Tau_*` fields. */
export type TauField = KinematicField | 'charge' | 'decayMode' | 'idDecayModeNewDMs';
/** Common NanoAOD `GenPart_*` fields. */
export type GenPartField = KinematicField | 'pdgId' | 'status' | 'statusFlags' | 'genPartIdxMother';
/** Common NanoAOD `MET_*` fields. */
export type MetField = 'pt' | 'phi' | 'sumEt';

/**
 * A NanoAOD collection (`Muon`): jagged fields sharing one count per event.
 * Typed fields (`muons.pt`) and `field('anyName')` both give `Muon_<name>` as a jagged column.
 */
export interface CollectionBase {
  /** The collection's prefix, e.g. `Muon`. */
  readonly name: string;
  /** Number of events. */
  readonly length: number;
  /** Objects per event (from `nMuon`, or from a field's offsets when the file has no counter). */
  readonly counts: Int32Array;
  /** `length + 1` offsets into each field's values. */
  readonly offsets: Int32Array;
  /** Field names present, without the prefix (`pt`, `eta`, …). */
  readonly fields: readonly string[];
  /** Whether `<name>_<field>` exists. */
  has(field: string): boolean;
  /** The jagged column `<name>_<field>`; unknown names throw `E_IO_BRANCH_NOT_FOUND` with close names. */
  field(field: string): JaggedColumn;
}

/** Floating-point values, as NanoAOD stores kinematics. */
export type FloatArray = Float32Array | Float64Array;

/**
 * A collection whose fields `F` are typed properties: `events.Muon.pt`. Kinematic fields (pt, eta,
 * phi, mass) are floating point, so they fill a `Hist` directly.
 */
export type Collection<F extends string = KinematicField> = CollectionBase & {
  readonly [K in F]: K extends KinematicField ? JaggedColumn<FloatArray> : JaggedColumn;
};

/** A per-event record of flat columns (`MET_pt`, `MET_phi`): `events.MET.pt`. */
export interface RecordBase {
  readonly name: string;
  readonly fields: readonly string[];
  has(field: string): boolean;
  field(field: string): NumericArray;
}

/** A record whose fields `F` are typed properties. */
export type FlatRecord<F extends string = string> = RecordBase & { readonly [K in F]: NumericArray };

/**
 * Wraps `base` so that any other property name reads as a field (`muons.dxy` → `field('dxy')`).
 * The proxy is built once per collection; a property read costs one `get` trap.
 */
export function withFieldAccess<T extends { field(name: string): unknown }>(base: T): T {
  return new Proxy(base, {
    get(target, property, receiver) {
      if (typeof property !== 'string' || property in target) return Reflect.get(target, property, receiver) as unknown;
      return target.field(property);
    },
  });
}
