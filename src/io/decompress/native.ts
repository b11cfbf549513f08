import { createRequire } from 'node:module';

/**
 * Loads a compiled (N-API) codec package, or returns `undefined` where none is built for this
 * platform (its optional per-platform binary package is absent): callers then fall back to a
 * portable decoder, slower but equal in output.
 */
export function loadNative<T>(name: string): T | undefined {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch {
    return undefined;
  }
}
