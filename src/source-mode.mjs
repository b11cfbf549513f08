// Running cortado from a checkout of its repository (its TypeScript sources, no build): registers
// tsx in this thread, so `.ts` modules import, and makes `import … from 'cortado'` (the example
// processor) resolve to the sources through the `cortado-source` export condition. The published
// package never runs this: its dist/ is JavaScript.
import { register as registerHooks } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

const SOURCE_CONDITION = `export function resolve(specifier, context, next) {
  if (specifier !== 'cortado' && !specifier.startsWith('cortado/')) return next(specifier, context);
  return next(specifier, { ...context, conditions: [...context.conditions, 'cortado-source'] });
}`;

/**
 * Registers tsx and the source condition once per thread. When CORTADO_COMPILED_SOURCES names a
 * folder of the sources compiled beforehand (the test suite's global setup), registers hooks that
 * load those instead (compiled-source-hooks.mjs; same condition, source maps on).
 */
export function registerSourceMode() {
  const marker = Symbol.for('cortado.typescript');
  if (globalThis[marker] === true) return;
  const compiled = process.env.CORTADO_COMPILED_SOURCES;
  if (compiled) {
    process.setSourceMapsEnabled(true);
    registerHooks(new URL('./compiled-source-hooks.mjs', import.meta.url), { data: { folder: compiled } });
  } else {
    registerTsx();
    registerHooks(`data:text/javascript,${encodeURIComponent(SOURCE_CONDITION)}`);
  }
  globalThis[marker] = true;
}
