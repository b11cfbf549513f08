import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import type { Processor, ProcessorFn, ProcessorRef } from '../protocol/processor.ts';
import { isProcessorRef } from '../protocol/processor.ts';
import { ProcessorCodeError } from '../protocol/errors.ts';
import { moduleCodeDigest } from '../protocol/processor-code.ts';
import { prepareModuleImport } from './typescript-modules.ts';

/** Turns a module reference (`import.meta.url`, an absolute path or a URL) into an importable URL. */
export function moduleUrl(module: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:\\/i.test(module)) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  return pathToFileURL(module).href;
}

const loaded = new Map<string, Promise<ProcessorFn<unknown, unknown>>>();

/** A module as this thread imported it, with the digest of its code at that moment (see {@link loadedCode}). */
interface Imported {
  readonly mod: Record<string, unknown>;
  readonly code: string | undefined;
}

const imported = new Map<string, Promise<Imported>>();

/** What {@link loadedCode} gives for a module whose files changed while it was being imported. */
export const CODE_CHANGED_WHILE_LOADING = 'changed-while-loading';

/**
 * Imports a module once per thread (Node keeps an ES module for the thread's life, so an edit of
 * its file afterwards is not seen here) and digests its code before and after the import: equal
 * digests are the code that was loaded.
 */
function importModule(module: string): Promise<Imported> {
  const url = moduleUrl(module);
  let pending = imported.get(url);
  if (pending === undefined) {
    pending = prepareModuleImport(url, `the processor module ${module}`).then(async () => {
      const before = moduleCodeDigest(module);
      const mod = (await import(url)) as Record<string, unknown>;
      const after = moduleCodeDigest(module);
      return { mod, code: before === after ? before : CODE_CHANGED_WHILE_LOADING };
    });
    pending.catch(() => imported.delete(url));
    imported.set(url, pending);
  }
  return pending;
}

/**
 * The {@link moduleCodeDigest} of a processor module's code as this thread imported it (importing
 * it if it was not yet): what a batch that names the code it expects is checked against.
 */
export async function loadedCode(module: string): Promise<string | undefined> {
  return (await importModule(module)).code;
}

/**
 * Throws a {@link ProcessorCodeError} unless `loaded` (the code of `module` as this thread holds it:
 * {@link loadedCode}, or a reference's `definedCode`) is the `expected` digest a batch was sent for.
 */
export function assertLoadedCode(module: string, expected: string, loaded: string | undefined): void {
  if (loaded === expected) return;
  const what =
    loaded === CODE_CHANGED_WHILE_LOADING
      ? 'its files changed while this thread was importing them'
      : loaded === undefined
        ? 'this thread cannot read its files'
        : `this thread imported code ${loaded}, and the module's files were edited since (or differ on this machine)`;
  throw new ProcessorCodeError(
    `Expected code ${expected} of the processor module ${module} (as the driver read it), but ${what}: ` +
      'restart the workers (`cortado worker`; for threads() or inline(), the process) so they load the current code, and make sure every machine has the same files',
  );
}

/**
 * Loads the function a processor reference names, by importing its module (cached per module
 * and export). Throws a clear error when the export is missing or is not a function.
 */
export function loadProcessor(ref: Pick<ProcessorRef, 'module' | 'exportName'>): Promise<ProcessorFn<unknown, unknown>> {
  const key = `${ref.module}#${ref.exportName}`;
  let pending = loaded.get(key);
  if (pending === undefined) {
    pending = importModule(ref.module).then(({ mod }) => {
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
