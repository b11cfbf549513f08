import { describe, expect, it } from 'vitest';
import { isTypeScriptModule, prepareModuleImport } from '../src/backends/typescript-modules.ts';

describe('TypeScript processor modules', () => {
  it('needs a TypeScript loader for .ts, .mts, .cts and .tsx modules only', () => {
    for (const url of ['file:///a/p.ts', 'file:///a/p.mts', 'file:///a/p.cts', 'file:///a/p.tsx', '/abs/p.ts', 'file:///a/p.ts?v=1']) {
      expect(isTypeScriptModule(url), url).toBe(true);
    }
    for (const url of ['file:///a/p.js', 'file:///a/p.mjs', 'file:///a/ts/p.js', 'file:///a/p.d.ts.js']) expect(isTypeScriptModule(url), url).toBe(false);
  });

  it('imports a TypeScript module once this thread can (here: under vitest, without registering tsx)', async () => {
    const url = new URL('./fixtures/processors.ts', import.meta.url).href;
    await prepareModuleImport(url);
    const mod = (await import(url)) as Record<string, unknown>;
    expect(Object.keys(mod).length).toBeGreaterThan(0);
  });
});
