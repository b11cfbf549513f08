import { CortadoError, type CortadoErrorOptions } from '../protocol/errors.ts';

/**
 * Stable codes of durability errors.
 *
 * | code | meaning |
 * |---|---|
 * | `E_CHECKPOINT_WRITE` | a journal, snapshot or output file could not be written (the system's code is in `cause`) |
 * | `E_CHECKPOINT_INVALID` | a journal or snapshot is not what it should be (not cortado's, damaged before its tail, another computation) |
 * | `E_CHECKPOINT_LOCKED` | another live process holds the journal |
 * | `E_CHECKPOINT_CODE_CHANGED` | the checkpoint was written by other code of the computable's processors (an edited module) |
 */
export type CheckpointErrorCode = 'E_CHECKPOINT_WRITE' | 'E_CHECKPOINT_INVALID' | 'E_CHECKPOINT_LOCKED' | 'E_CHECKPOINT_CODE_CHANGED';

/**
 * A durability error: always names the file it concerns (`path`), and keeps the system error
 * (`ENOSPC`, `EACCES`, ...) as its `cause` and in `systemCode`.
 *
 * @example
 * ```ts
 * try { backend.compute(c, { checkpoint: 'run.ckpt' }); }
 * catch (e) { if (e instanceof CheckpointError && e.code === 'E_CHECKPOINT_LOCKED') console.log(e.path); }
 * ```
 */
export class CheckpointError extends CortadoError {
  readonly path: string;
  /** The system error code behind it (`ENOSPC`, `EACCES`, `EISDIR`, ...), when there is one. */
  readonly systemCode: string | undefined;

  constructor(code: CheckpointErrorCode, path: string, message: string, options?: CortadoErrorOptions) {
    super(code, message, options);
    this.path = path;
    const cause = options?.cause as { code?: unknown } | undefined;
    this.systemCode = typeof cause?.code === 'string' ? cause.code : undefined;
  }
}

/** Wraps a system error of writing `path` into a {@link CheckpointError} that names the file. */
export function writeError(path: string, what: string, error: unknown): CheckpointError {
  if (error instanceof CheckpointError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const reason = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code === 'ENOENT' ? 'its folder does not exist' : code === 'EROFS' ? 'the file system is read-only' : (error as Error)?.message ?? String(error);
  return new CheckpointError('E_CHECKPOINT_WRITE', path, `Could not write ${what} ${path}: ${reason}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error });
}
