export { isRNTupleClass, openRNTuple, openRootSource } from './open.ts';
export type { RNTupleOpenOptions } from './open.ts';
export { RNTupleSource } from './source.ts';
export type { PageStats } from './pages.ts';
