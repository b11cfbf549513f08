import { CortadoError, type CortadoErrorOptions } from '../../protocol/errors.ts';

/**
 * Stable codes of skim errors; error policies match them (`continueOn: ['E_SKIM_WRITE']`).
 * - `E_SKIM_OUT`: the output folder cannot be created or written (found before anything is computed).
 * - `E_SKIM_WRITE`: writing or renaming one skim file failed (disk full, permissions, a folder in the way).
 * - `E_SKIM_SELECTION`: the selector returned something else than a mask of the chunk's length or events.
 * - `E_SKIM_FORMAT`: an output format or compression cortado does not write.
 */
export type SkimErrorCode = 'E_SKIM_OUT' | 'E_SKIM_WRITE' | 'E_SKIM_SELECTION' | 'E_SKIM_FORMAT';

/** A skim that cannot write, select or encode; `path` names the file or folder concerned. */
export class SkimError extends CortadoError {
  declare readonly code: SkimErrorCode;
  /** The file or folder concerned, when there is one. */
  readonly path?: string;

  constructor(code: SkimErrorCode, message: string, options?: CortadoErrorOptions & { path?: string }) {
    super(code, message, options);
    if (options?.path !== undefined) this.path = options.path;
  }
}

/** `ENOSPC: no space left on device` style text of a system error, or its message. */
export function describeSystemError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}
