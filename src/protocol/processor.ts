import { moduleCodeDigest } from './processor-code.ts';

/** A plain processor function: turns one loaded data element into a result. */
export type ProcessorFn<I, R> = (input: I) => R | Promise<R>;

/** Options carried with a processor reference. */
export interface ProcessorOptions {
  /** Columns the processor reads, so loaders fetch only these (io uses it). */
  readonly columns?: readonly string[];
}

/**
 * A processor named by module and export, so it can be loaded again in a worker thread or on
 * another machine. Made by {@link defineProcessor}.
 */
export interface ProcessorRef<I = unknown, R = unknown> {
  readonly kind: 'processor-ref';
  /** `import.meta.url` (or a path) of the module that exports the processor. */
  readonly module: string;
  /** The export's name in that module. */
  readonly exportName: string;
  readonly options: ProcessorOptions;
  /** The function itself, when defined in this realm; never serialized. */
  readonly fn?: ProcessorFn<I, R>;
}

/** Anything a backend can run: a function (inline only) or a processor reference (every backend). */
export type Processor<I = any, R = unknown> = ProcessorFn<I, R> | ProcessorRef<I, R>;

/** The result type of a processor. */
export type ProcessorResult<P> = P extends Processor<any, infer R> ? Awaited<R> : never;
/** The input type of a processor. */
export type ProcessorInput<P> = P extends Processor<infer I, any> ? I : never;

/**
 * Defines a processor that every backend can run: the function plus the module and export under
 * which a worker finds it again. Export the returned value under `exportName`.
 *
 * @example
 * ```ts
 * // square.ts
 * import { defineProcessor } from 'cortado';
 * export const square = defineProcessor(import.meta.url, 'square', (x: number) => x * x);
 * ```
 */
export function defineProcessor<I, R>(
  module: string,
  exportName: string,
  fn: ProcessorFn<I, R>,
  options?: ProcessorOptions,
): ProcessorRef<I, Awaited<R>>;
/**
 * References a plain exported function `exportName` of `module`; give its type to keep the types:
 * `defineProcessor<typeof square>(import.meta.url, 'square')`.
 */
export function defineProcessor<F extends ProcessorFn<any, any> = ProcessorFn<unknown, unknown>>(
  module: string,
  exportName: string,
  fn?: undefined,
  options?: ProcessorOptions,
): ProcessorRef<Parameters<F>[0], Awaited<ReturnType<F>>>;
export function defineProcessor(
  module: string,
  exportName: string,
  fn?: ProcessorFn<unknown, unknown>,
  options: ProcessorOptions = {},
): ProcessorRef {
  if (typeof module !== 'string' || module.length === 0) {
    throw new TypeError(`Expected \`module\` to be a module URL or path (pass import.meta.url), got ${String(module)}`);
  }
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new TypeError(`Expected \`exportName\` to be the name of an export, got ${String(exportName)}`);
  }
  const ref: ProcessorRef = { kind: 'processor-ref', module, exportName, options };
  if (fn !== undefined) {
    Object.defineProperty(ref, 'fn', { value: fn, enumerable: false });
    definedCodes.set(ref, codeNow(module));
  }
  return ref;
}

/** The module's code digest when each reference with a function was defined (see {@link definedCode}). */
const definedCodes = new WeakMap<ProcessorRef, string | undefined>();

function codeNow(module: string): string | undefined {
  try {
    return moduleCodeDigest(module);
  } catch {
    return undefined;
  }
}

/**
 * The {@link moduleCodeDigest} of a reference's module when `defineProcessor` made it with its
 * function: the code that function came from when, as usual, the module defines its own processors
 * (its `fn` runs in this thread without a new import, so an edit of the file since is not in it).
 * `undefined` for a reference without a function, or whose module could not be read then.
 */
export function definedCode(ref: ProcessorRef): string | undefined {
  return definedCodes.get(ref);
}

/** Whether `value` is a {@link ProcessorRef}. */
export function isProcessorRef(value: unknown): value is ProcessorRef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'processor-ref';
}

/** The serializable part of a processor reference. */
export function processorDescriptor(ref: ProcessorRef): { module: string; exportName: string; options: ProcessorOptions } {
  return { module: ref.module, exportName: ref.exportName, options: ref.options };
}
