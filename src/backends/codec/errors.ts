import { CortadoError, type CortadoErrorOptions } from '../../protocol/errors.ts';

/**
 * A result could not cross a thread boundary: it holds a class instance for which no codec is
 * registered, or it came back tagged with a codec this thread does not know. Code `E_NO_CODEC`.
 *
 * @example
 * ```ts
 * try { encodeResult({ h: new Unregistered() }); }
 * catch (e) { if (e instanceof CodecError) console.log(e.className, e.path); }
 * ```
 */
export class CodecError extends CortadoError {
  /** The class (or codec tag) that has no codec. */
  readonly className: string;
  /** Where in the result the value sits, e.g. `['ZJets', 'mass']`. */
  readonly path: readonly string[];

  constructor(className: string, path: readonly string[], message: string, options?: CortadoErrorOptions) {
    super('E_NO_CODEC', message, options);
    this.className = className;
    this.path = path;
  }
}

/** Formats a key path for messages: ` at key path "a" → "b"`, or nothing at the top. */
export function formatPath(path: readonly string[]): string {
  return path.length === 0 ? '' : ` at key path ${path.map((k) => JSON.stringify(k)).join(' → ')}`;
}
