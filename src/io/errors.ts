import { CortadoError, type CortadoErrorOptions } from '../protocol/errors.ts';

/**
 * Stable codes of event-data errors. Error policies match them: `continueOn: ['E_IO_TRUNCATED']`.
 * A missing file, a directory where a file was expected and a file without read permission keep
 * the system's own `ENOENT`, `EISDIR` and `EACCES`; any other system error while opening or
 * reading a file is `E_IO_READ` (the system's code is in the message and the `cause`).
 * `E_IO_CLOSED`: a read of a source (ROOT or Parquet) after it was closed.
 */
export type IoErrorCode =
  | 'ENOENT'
  /** Any other system error while opening or reading a file (its code is in the message and cause). */
  | 'E_IO_READ'
  | 'E_IO_TREE_NOT_FOUND'
  | 'E_IO_KEY_NOT_FOUND'
  | 'E_IO_BRANCH_NOT_FOUND'
  | 'E_IO_MALFORMED'
  | 'E_IO_TRUNCATED'
  | 'E_IO_UNSUPPORTED'
  | 'E_IO_DECOMPRESS'
  /** A checksum stored in the file (e.g. an LZ4 block's xxhash64) does not match its data. */
  | 'E_IO_CHECKSUM'
  /** A read, open or request got no answer within the timeout. */
  | 'E_IO_TIMEOUT'
  /** A read after the file (or its byte source) was closed. */
  | 'E_IO_CLOSED'
  | 'EACCES'
  | 'EISDIR'
  /** A file changed (ETag, Last-Modified, size, inode, mtime) while being read. */
  | 'E_FILE_CHANGED'
  /** An HTTP(S) file could not be read: network failure after retries. */
  | 'E_IO_HTTP'
  /** An HTTP(S) server answered a Range request with the whole file. */
  | 'E_IO_HTTP_NO_RANGE'
  /** An HTTP(S) server answered with this status (e.g. `E_IO_HTTP_404`, `E_IO_HTTP_503`). */
  | `E_IO_HTTP_${number}`;

/** Details an I/O error may carry, for programs that react to it. */
export interface IoErrorDetails {
  readonly path?: string;
  readonly treename?: string;
  readonly branch?: string;
  /** Names that do exist (trees present, branches with close names). */
  readonly available?: readonly string[];
  /** The HTTP status of a remote file's failed request. */
  readonly status?: number;
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

/**
 * The `IoError` for a system error (`fs` open/read/stat) on `path`: `ENOENT`, `EISDIR` and `EACCES`
 * keep their codes, any other becomes `E_IO_READ`. `doing` says what was attempted.
 *
 * @example
 * ```ts
 * try { await open(path, 'r'); } catch (e) { throw systemIoError(e, path, 'open a Parquet file'); }
 * ```
 */
export function systemIoError(error: unknown, path: string, doing: string): IoError {
  const system = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  switch (system) {
    case 'ENOENT':
      return new IoError('ENOENT', `Expected to ${doing} at ${path}, got no such file`, { path }, { cause: error });
    case 'EISDIR':
      return new IoError('EISDIR', `Expected to ${doing} at ${path}, got a directory`, { path }, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new IoError('EACCES', `Expected to ${doing} at ${path}, got no permission to read it`, { path }, { cause: error });
    default:
      return new IoError('E_IO_READ', `Could not ${doing} at ${path}: ${reason}`, { path }, { cause: error });
  }
}
