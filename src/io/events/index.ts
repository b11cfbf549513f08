/** Columnar events, NanoAOD collections and vectorized kinematics. */
export { Events } from './events.ts';
export type { ColumnLoader, EventsInit } from './events.ts';
export { withFieldAccess } from './collection.ts';
export type {
  Collection,
  CollectionBase,
  ElectronField,
  FlatRecord,
  GenPartField,
  JetField,
  KinematicField,
  MetField,
  MuonField,
  PhotonField,
  RecordBase,
  TauField,
} from './collection.ts';
export { pairs, filterPairs, oppositeCharge } from './pairs.ts';
export type { HasOffsets, Pairs } from './pairs.ts';
export { invariantMass, pairP4, pairMass, massesOf, ptsOf } from './kinematics.ts';
export type { FourVectors, PtEtaPhiMass } from './kinematics.ts';
export { mask, and, filter, counts, countTrue, selectEvents } from './masks.ts';
export { closeNames } from './close-names.ts';
