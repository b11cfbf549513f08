import { createHash } from 'node:crypto';
import type { Processor } from '../../protocol/processor.ts';

/**
 * A JSON text of `value` with object keys sorted, so equal values give equal text whatever the
 * order their keys were written in.
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** A short, stable hash (hex) of a value: same value, same hash, in every process. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 24);
}

/**
 * What identifies a processor: module and export for a reference, name and source text for a
 * function (two closures with the same text and name are taken to be the same computation).
 */
export function processorIdentity(processor: Processor): unknown {
  if (typeof processor === 'function') return { fn: processor.name, source: processor.toString() };
  return { module: processor.module, exportName: processor.exportName, options: processor.options };
}

/** A readable name of a processor, for keys and messages. */
export function processorName(processor: Processor): string {
  return typeof processor === 'function' ? processor.name || 'anonymous' : `${processor.module.split('/').pop()}#${processor.exportName}`;
}
