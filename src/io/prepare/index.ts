/** Preparation: entry counts, cluster boundaries, uuids and steps of every file, as a computable. */
export { prepare, preparationKey } from './prepare.ts';
export { applyPreparation, makeSteps, resolvePrepareOptions } from './apply.ts';
export type { PreparationErrors, PrepareOptions, PrepareOptionsInput } from './apply.ts';
export { preprocess, PreparationFailedError } from './preprocess.ts';
export type { PreprocessOptions, RunsComputables } from './preprocess.ts';
export { describeFile } from './describe-file.ts';
export type { FileInfo, Preparation, DescribeFileInput } from './describe-file.ts';
