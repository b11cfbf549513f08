import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EventsInput } from '../io/dataset/context.ts';
import { prepareModuleImport } from '../backends/typescript-modules.ts';
import { defineProcessor, isProcessorRef, type ProcessorRef } from '../protocol/processor.ts';
import { CliUsageError, oneLine } from './errors.ts';

/** A processor loaded from a user's module, with where it came from. */
export interface LoadedProcessor {
  /** Absolute path of the module. */
  readonly path: string;
  /** The export used. */
  readonly exportName: string;
  /** A reference every backend can run (worker threads import the module again). */
  readonly ref: ProcessorRef<EventsInput, unknown>;
}

/**
 * Imports a user's processor module (`.ts` or `.js`) and picks its processor: the export named
 * `exportName`; else the default export; else the one export made with `defineProcessor`. A plain
 * exported function works too (it is wrapped in a reference, so worker threads can load it).
 *
 * @example
 * ```ts
 * const { ref } = await loadProcessorModule('examples/dimuon.ts');
 * group.mapSteps(ref);
 * ```
 */
export async function loadProcessorModule(modulePath: string, exportName?: string): Promise<LoadedProcessor> {
  const path = resolve(modulePath);
  try {
    await access(path);
  } catch (error) {
    throw new CliUsageError(`Expected a processor module (.ts or .js) at ${modulePath}, got no such file`, { cause: error });
  }
  const url = pathToFileURL(path).href;
  let mod: Record<string, unknown>;
  try {
    await prepareModuleImport(url, `the processor module ${modulePath}`);
  } catch (error) {
    throw new CliUsageError(oneLine(error), { cause: error });
  }
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new CliUsageError(`Could not load the processor module ${modulePath}: ${oneLine(error)}`, { cause: error });
  }
  const name = exportName ?? pickExport(mod, modulePath);
  const value = mod[name];
  if (isProcessorRef(value)) {
    if (value.fn === undefined) {
      throw new CliUsageError(`Expected export \`${name}\` of ${modulePath} to carry its function (defineProcessor(import.meta.url, '${name}', fn)), got a bare reference`);
    }
    return { path, exportName: name, ref: value as ProcessorRef<EventsInput, unknown> };
  }
  if (typeof value === 'function') {
    const fn = value as (input: EventsInput) => unknown;
    return { path, exportName: name, ref: defineProcessor(url, name, fn) };
  }
  const found = describeExports(mod);
  throw new CliUsageError(
    value === undefined
      ? `Expected ${modulePath} to export \`${name}\`, got exports ${found}`
      : `Expected export \`${name}\` of ${modulePath} to be a processor (defineProcessor(...) or a function), got ${typeof value}`,
  );
}

function pickExport(mod: Record<string, unknown>, modulePath: string): string {
  const isProcessor = (v: unknown) => isProcessorRef(v) || typeof v === 'function';
  if (isProcessor(mod.default)) return 'default';
  const refs = Object.keys(mod).filter((k) => isProcessorRef(mod[k]));
  if (refs.length === 1) return refs[0]!;
  if (refs.length > 1) {
    throw new CliUsageError(`Expected one processor in ${modulePath}, got ${refs.length} (${refs.join(', ')}): choose one with --export <name>`);
  }
  throw new CliUsageError(
    `Expected ${modulePath} to export a processor made with defineProcessor(import.meta.url, 'name', fn), got exports ${describeExports(mod)}: ` +
      'export one, or name a function with --export <name>',
  );
}

function describeExports(mod: Record<string, unknown>): string {
  const names = Object.keys(mod);
  return names.length === 0 ? '(none)' : names.map((n) => `${n} (${isProcessorRef(mod[n]) ? 'processor' : typeof mod[n]})`).join(', ');
}
