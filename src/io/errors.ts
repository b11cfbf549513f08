import { CortadoError, type CortadoErrorOptions } from '../protocol/errors.ts';

/**
 * Stable codes of event-data errors. Error policies match them: `continueOn: ['E_IO_TRUNCATED']`.
 * A missing file keeps the system's own `ENOENT`.
 */
export type IoErrorCode =
  | 'ENOENT'
  | 'E_IO_TREE_NOT_FOUND'
  | 'E_IO_KEY_NOT_FOUND'
  | 'E_IO_BRANCH_NOT_FOUND'
  | 'E_IO_MALFORMED'
  | 'E_IO_TRUNCATED'
  | 'E_IO_UNSUPPORTED'
  | 'E_IO_DECOMPRESS';

/** Details an I/O error may carry, for programs that react to it. */
export interface IoErrorDetails {
  readonly path?: string;
  readonly treename?: string;
  readonly branch?: string;
  /** Names that do exist (trees present, branches with close names). */
  readonly available?: readonly string[];
}

/**
 * An error reading event data, with a stable `code` and the file it concerns.
 *
 * @example
 * ```ts
 * try { await openSource('missing.root', 'Events'); }
 * catch (e) { if (e instanceof IoError && e.code === 'ENOENT') console.log(e.path); }
 * ```
 */
export class IoError extends CortadoError {
  readonly path: string | undefined;
  readonly details: IoErrorDetails;

  constructor(code: IoErrorCode, message: string, details: IoErrorDetails = {}, options?: CortadoErrorOptions) {
    super(code, message, options);
    this.path = details.path;
    this.details = details;
  }
}
