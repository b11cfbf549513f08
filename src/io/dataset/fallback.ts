import type { ProcessorFn } from '../../protocol/processor.ts';
import { ColumnNotLoadedError } from './errors.ts';
import { RELOAD, type LoadedEvents } from './events-data.ts';

/** How many times one chunk is reloaded for columns it missed before the error is let through. */
const MAX_RELOADS = 16;

function isColumnMiss(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && e !== undefined && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ColumnNotLoadedError || (e as { code?: unknown }).code === 'E_COLUMN_NOT_LOADED') return true;
  }
  return false;
}

/**
 * Wraps a processor function so that a chunk whose processor touched a column that was not loaded
 * is loaded again (now with that column, which the column memory has remembered) and processed again,
 * in place. Processors given as references to other threads rely on the runtime's retry instead.
 */
export function withColumnFallback<I, R>(fn: ProcessorFn<I, R>): ProcessorFn<I, R> {
  const wrapped = async (input: I): Promise<R> => {
    let current = input;
    for (let reloads = 0; ; reloads++) {
      try {
        return await fn(current);
      } catch (error) {
        const reload = (current as Partial<LoadedEvents> | null)?.[RELOAD];
        if (!isColumnMiss(error) || reload === undefined || reloads >= MAX_RELOADS) throw error;
        current = (await reload()) as I;
      }
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}
