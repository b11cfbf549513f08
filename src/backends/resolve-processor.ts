import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import type { Processor, ProcessorFn, ProcessorRef } from '../protocol/processor.ts';
import { isProcessorRef } from '../protocol/processor.ts';
import { prepareModuleImport } from './typescript-modules.ts';

/** Turns a module reference (`import.meta.url`, an absolute path or a URL) into an importable URL. */
export function moduleUrl(module: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:\\/i.test(module)) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  return pathToFileURL(module).href;
}

const loaded = new Map<string, Promise<ProcessorFn<unknown, unknown>>>();

/**
 * Loads the function a processor reference names, by importing its module (cached per module
 * and export). Throws a clear error when the export is missing or is not a function.
 */
export function loadProcessor(ref: Pick<ProcessorRef, 'module' | 'exportName'>): Promise<ProcessorFn<unknown, unknown>> {
  const key = `${ref.module}#${ref.exportName}`;
  let pending = loaded.get(key);
  if (pending === undefined) {
    const url = moduleUrl(ref.module);
    pending = prepareModuleImport(url, `the processor module ${ref.module}`).then(() => import(url)).then((mod: Record<string, unknown>) => {
      const exported = mod[ref.exportName];
      if (isProcessorRef(exported) && typeof exported.fn === 'function') return exported.fn as ProcessorFn<unknown, unknown>;
      if (typeof exported === 'function') return exported as ProcessorFn<unknown, unknown>;
      const names = Object.keys(mod).join(', ') || '(none)';
      throw new TypeError(
        `Module ${ref.module} has no processor exported as \`${ref.exportName}\` (found: ${names}); ` +
          `export it with \`export const ${ref.exportName} = defineProcessor(import.meta.url, '${ref.exportName}', fn)\``,
      );
    });
    pending.catch(() => loaded.delete(key));
    loaded.set(key, pending);
  }
  return pending;
}

/** Resolves any processor to a function: functions as they are, references by their `fn` or module. */
export function resolveProcessor(processor: Processor): ProcessorFn<unknown, unknown> | Promise<ProcessorFn<unknown, unknown>> {
  if (typeof processor === 'function') return processor as ProcessorFn<unknown, unknown>;
  if (processor.fn !== undefined) return processor.fn as ProcessorFn<unknown, unknown>;
  return loadProcessor(processor);
}
