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
