/** The threads backend: work elements on piscina worker threads. */
export { threads } from './threads/backend.ts';
export type { ThreadsOptions } from './threads/options.ts';
export { NotTransferableError } from './threads/errors.ts';
