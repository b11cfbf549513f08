/**
 * The error hierarchy of cortado. Every error carries a stable `code` that error policies can
 * match (`continueOn: ['E_BAD_RESULT']`), a human message that says what was expected and what
 * came, and an optional `cause`.
 */

/** Options accepted by every cortado error. */
export interface CortadoErrorOptions {
  cause?: unknown;
}

/**
 * Base class of cortado's own errors.
 *
 * @example
 * ```ts
 * if (err instanceof CortadoError && err.code === 'E_TASK_INCOMPLETE') console.log(err.message);
 * ```
 */
export class CortadoError extends Error {
  /** A stable, machine-readable code, e.g. `E_RANGE_OVERLAP`. */
  readonly code: string;

  constructor(code: string, message: string, options?: CortadoErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Two results could not be merged (a number into a record, a string among numbers). */
export class MergeTypeError extends TypeError {
  readonly code = 'E_MERGE_TYPE';
  /** Where in the result tree the mismatch sits, e.g. `['ZJets', 'mass']`. */
  readonly path: readonly string[];

  constructor(message: string, path: readonly string[]) {
    super(message);
    this.name = 'MergeTypeError';
    this.path = path;
  }
}

/** A range was added twice: accepting it would double count. */
export class RangeOverlapError extends CortadoError {
  constructor(message: string) {
    super('E_RANGE_OVERLAP', message);
  }
}

/** Options given to a cortado API did not validate. */
export class InvalidOptionsError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_INVALID_OPTIONS', message, options);
  }
}

/** A processor returned a value that cannot merge with the others. */
export class BadResultError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_BAD_RESULT', message, options);
  }
}

/** `compute()` was called on a backend that has been disposed. */
export class BackendDisposedError extends CortadoError {
  constructor(backend: string) {
    super(
      'E_BACKEND_DISPOSED',
      `The ${backend} backend has been disposed; create a new one with ${backend}() to compute again.`,
    );
  }
}

/** The task finished, but some elements were skipped under the error policy. */
export class TaskIncompleteError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_TASK_INCOMPLETE', message, options);
  }
}

/** The task was cancelled, by `cancel()`, an aborted signal or a fatal error. */
export class TaskCancelledError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_TASK_CANCELLED', message, options);
  }
}

/** A work element ran past its time limit. */
export class ElementTimeoutError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_ELEMENT_TIMEOUT', message, options);
  }
}

/** A worker died or exceeded its resource limits while running an element. */
export class WorkerCrashError extends CortadoError {
  constructor(code: 'E_WORKER_EXIT' | 'E_WORKER_OOM' | 'E_WORKER_CRASH', message: string, options?: CortadoErrorOptions) {
    super(code, message, options);
  }
}

/** Describes a value's type for error messages: `number`, `string`, `Map`, `Hist`, `undefined`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as object).constructor?.name;
  if (name === undefined || name === 'Object') return 'record';
  if (name === 'Array') return 'array';
  return name;
}

/**
 * A TypeScript processor module was given, and no TypeScript loader is installed: cortado loads
 * tsx (an optional peer dependency) on demand for `.ts` modules.
 */
export class TypeScriptLoaderError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_TYPESCRIPT_LOADER', message, options);
  }
}

/**
 * A worker was asked to run a processor whose code differs from what it has loaded (`E_PROCESSOR_CODE_CHANGED`):
 * its module's files were edited after the worker imported them, or they differ on the worker's
 * machine. The elements fail rather than compute with other code than the driver's.
 */
export class ProcessorCodeError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_PROCESSOR_CODE_CHANGED', message, options);
  }
}
