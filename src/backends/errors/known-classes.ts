import {
  BackendDisposedError,
  BadResultError,
  CortadoError,
  ElementTimeoutError,
  InvalidOptionsError,
  MergeTypeError,
  ProcessorCodeError,
  RangeOverlapError,
  TaskCancelledError,
  TaskIncompleteError,
  TypeScriptLoaderError,
  WorkerCrashError,
} from '../../protocol/errors.ts';
import { IoError } from '../../io/errors.ts';
import { SkimError } from '../../io/skim/errors.ts';
import { CodecError } from '../codec/errors.ts';

/** An error class that can be rebuilt on the receiving side of a thread boundary. */
export type ErrorClass = abstract new (...args: any[]) => Error;

const byName = new Map<string, ErrorClass>();

/**
 * Registers an error class so that errors of that class which cross a thread come back as real
 * instances (`instanceof` works, methods are there). Registration goes by class name, so it must be
 * done in both threads: put it in the module that defines the class, or in the processor's module.
 * Unregistered classes still match error policies by name (see {@link deserializeError}).
 *
 * @example
 * ```ts
 * export class CalibrationError extends Error { override name = 'CalibrationError'; }
 * registerErrorClass(CalibrationError);
 * ```
 */
export function registerErrorClass(cls: ErrorClass, name: string = cls.name): void {
  byName.set(name, cls);
}

/** The error class registered under `name`, if any. */
export function errorClassNamed(name: string): ErrorClass | undefined {
  return byName.get(name);
}

for (const cls of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]) {
  registerErrorClass(cls);
}
for (const cls of [
  CortadoError,
  MergeTypeError,
  RangeOverlapError,
  InvalidOptionsError,
  BadResultError,
  BackendDisposedError,
  TaskIncompleteError,
  TaskCancelledError,
  ElementTimeoutError,
  WorkerCrashError,
  TypeScriptLoaderError,
  ProcessorCodeError,
  IoError,
  SkimError,
  CodecError,
]) {
  registerErrorClass(cls);
}
