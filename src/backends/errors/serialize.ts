import { errorClassNamed } from './known-classes.ts';

/** Marks a serialized error. */
const ERROR_KEY = '@@cortado/error';

/** An error (or any thrown value) as it crosses a thread: structured-cloneable plain data. */
export type SerializedError =
  | {
      readonly [ERROR_KEY]: 'error';
      /** `error.name`. */
      readonly name: string;
      /** The constructor's name (differs from `name` when the class did not set one). */
      readonly className: string;
      readonly message: string;
      readonly stack: string | undefined;
      /** The `cause`, serialized the same way; absent when there was none. */
      readonly cause?: SerializedError;
      /** Own enumerable properties (`code`, `path`, details…), cloneable ones as they are, others as strings. */
      readonly props: Record<string, unknown>;
    }
  | { readonly [ERROR_KEY]: 'value'; readonly value: unknown };

const OWN_FIELDS = new Set(['name', 'message', 'stack', 'cause']);

/**
 * Serializes a thrown value so that it survives a thread boundary intact: class name, message,
 * `code`, the `cause` chain, the stack and the error's own enumerable properties. Thrown non-errors
 * travel as they are when structured clone takes them, else as their string form.
 *
 * @example
 * ```ts
 * port.postMessage(serializeError(err));   // in the worker
 * const back = deserializeError(message);  // in the main thread
 * ```
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { [ERROR_KEY]: 'value', value: cloneable(error) };
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (OWN_FIELDS.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    props[key] = value instanceof Error ? serializeError(value, depth + 1) : cloneable(value);
  }
  if (error instanceof AggregateError) props['errors'] = error.errors.map((e) => serializeError(e, depth + 1));
  const className = error.constructor?.name || 'Error';
  // A class that does not set `name` inherits 'Error'; the class name is what `continueOn: [MyError]` matches.
  const name = typeof error.name === 'string' && error.name !== 'Error' ? error.name : className;
  const base = { [ERROR_KEY]: 'error' as const, name, className, message: String(error.message), stack: error.stack, props };
  const cause = (error as { cause?: unknown }).cause;
  if (cause === undefined || !('cause' in error) || depth > 32) return base;
  return { ...base, cause: serializeError(cause, depth + 1) };
}

/**
 * Rebuilds a thrown value from {@link serializeError}. An error whose class is registered (the
 * built-in errors, cortado's own, and those given to `registerErrorClass`) comes back as a real
 * instance of that class; any other comes back as an `Error` carrying the original `name`. Either
 * way it is flagged `crossedThread: true` (not enumerable), which lets error policies match a class
 * by name: `continueOn: [MyError]` and `code` matching behave as on the calling thread.
 */
export function deserializeError(serialized: SerializedError): unknown {
  if (serialized[ERROR_KEY] === 'value') return serialized.value;
  const cls = errorClassNamed(serialized.className) ?? errorClassNamed(serialized.name) ?? Error;
  // Reflect.construct makes a genuine Error object (stack, inspection) with the class's prototype,
  // without running a constructor whose signature we do not know.
  const error = Reflect.construct(Error, [serialized.message], cls) as Error & Record<string, unknown>;
  for (const [key, value] of Object.entries(serialized.props)) {
    error[key] = isSerializedError(value)
      ? deserializeError(value)
      : key === 'errors' && Array.isArray(value)
        ? value.map((e) => (isSerializedError(e) ? deserializeError(e) : e))
        : value;
  }
  if (error.name !== serialized.name) Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'stack', { value: serialized.stack, writable: true, configurable: true, enumerable: false });
  if (serialized.cause !== undefined) {
    Object.defineProperty(error, 'cause', { value: deserializeError(serialized.cause), writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(error, 'crossedThread', { value: true, writable: true, configurable: true, enumerable: false });
  return error;
}

/** Whether `value` came from {@link serializeError}. */
export function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && ERROR_KEY in value;
}

function cloneable(value: unknown): unknown {
  if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') return value;
  if (value === null) return value;
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}
