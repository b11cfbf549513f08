import type { Computable } from '../../protocol/computable.ts';
import { CortadoError, type CortadoErrorOptions } from '../../protocol/errors.ts';

/**
 * A work element cannot be sent to a worker thread: its processor is a closure (functions do not
 * cross threads) or its data has no `toDescriptor()`, or its data does not survive structured
 * clone. Code `E_NOT_TRANSFERABLE`.
 */
export class NotTransferableError extends CortadoError {
  constructor(message: string, options?: CortadoErrorOptions) {
    super('E_NOT_TRANSFERABLE', message, options);
  }
}

/** The message for a closure handed to the threads backend. */
export function closureMessage(fn: Function): string {
  const name = fn.name || 'myProcessor';
  return (
    `The threads backend cannot run the plain function \`${fn.name || '(anonymous)'}\` as a processor: functions do not cross ` +
    `threads, so workers load processors by module and export name. Export it from a module with defineProcessor:\n` +
    `  // ${name}.ts\n` +
    `  export const ${name} = defineProcessor(import.meta.url, '${name}', (input) => { ... });\n` +
    `and pass that reference instead (or run closures with inline()).`
  );
}

/**
 * Throws {@link NotTransferableError} when the first element of `computable` has a closure for
 * its processor: backends that run elements elsewhere (threads, other machines) need module
 * references. A computable that throws here is left to fail when the task pulls it.
 *
 * @example
 * ```ts
 * assertTransferable(fromFunction((x: number) => x * x, [1])); // throws NotTransferableError
 * ```
 */
export function assertTransferable(computable: Computable<unknown>): void {
  let first;
  try {
    const steps = computable.steps();
    const next = steps.next();
    steps.return(undefined);
    if (next.done) return;
    first = next.value;
  } catch {
    return; // the computable's own error surfaces when the task pulls it
  }
  if (typeof first.processor === 'function') throw new NotTransferableError(closureMessage(first.processor));
}
