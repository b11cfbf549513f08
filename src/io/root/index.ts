export { openRootFile, openRootTree, RootFile } from './file.ts';
export type { RootOpenOptions, RootTreeEntry } from './file.ts';
export { RootTree } from './tree.ts';
export type { ReadStats } from './column.ts';
export { metaCache } from './cache.ts';
