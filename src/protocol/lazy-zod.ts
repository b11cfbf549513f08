import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Zod from 'zod';

/** zod's `z` namespace. */
export type ZodApi = typeof Zod.z;

let loaded: ZodApi | undefined;

/**
 * zod, loaded on first use instead of at import. Evaluating zod costs ~10 MiB resident in every
 * thread that imports it, and cortado's worker threads import the modules that hold option
 * schemas (a processor module imports `threads`, a histogram its axes) without ever validating
 * options there. Loads zod's ES module build (the same instance `import 'zod'` gets, through
 * Node's require of ES modules), or its CommonJS build where that is unavailable.
 *
 * @example
 * ```ts
 * const schema = lazySchema((z) => z.number().int());
 * schema().safeParse(3); // zod loads here, once
 * ```
 */
export function zod(): ZodApi {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    let module: { z: ZodApi };
    try {
      module = require(join(dirname(require.resolve('zod/package.json')), 'index.js')) as { z: ZodApi };
    } catch {
      module = require('zod') as { z: ZodApi };
    }
    loaded = module.z;
  }
  return loaded;
}

/** A value (a schema) built with zod on first use, then kept. See {@link zod}. */
export function lazySchema<T>(build: (z: ZodApi) => T): () => T {
  let value: T | undefined;
  return () => (value ??= build(zod()));
}
