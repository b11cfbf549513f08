/**
 * threads() and inline() and the processor's code: a thread that holds other code than the
 * computable records (`Computable.code`, what a journal keeps) fails the elements with
 * E_PROCESSOR_CODE_CHANGED instead of mixing results of two codes. Processor modules are temp
 * copies in os.tmpdir(), edited during the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.ts';
import { inline } from '../src/backends/inline.ts';
import { threads } from '../src/backends/threads.ts';
import { fromFunction } from '../src/protocol/computable.ts';
import { defineProcessor } from '../src/protocol/processor.ts';

const xs = Array.from({ length: 10 }, (_, i) => i);
/** The sum version `v` gives over `list`. */
const sumOf = (list: readonly number[], v: number) => list.reduce((s, x) => s + x * 1000 + v, 0);
const codeOf = (error: unknown) => (error as { code?: string }).code;

/** `version.mjs` exporting `version = () => v`. */
function writeVersion(dir: string, v: number): void {
  writeFileSync(join(dir, 'version.mjs'), `export const version = () => ${v};\n`);
}

describe('threads() and inline() run only the code the computable records', () => {
  let dir: string;
  let backend: Backend | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortado-local-code-'));
  });
  afterEach(async () => {
    await backend?.dispose();
    backend = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('threads: a thread that replaced a crashed one after the module was edited refuses its elements (no mix of old and new code)', async () => {
    writeVersion(dir, 1);
    // Element 3 edits the module's import to version 2 (the running thread keeps version 1);
    // element 5 ends the thread, so the pool starts a fresh one, which imports version 2.
    writeFileSync(
      join(dir, 'proc.mjs'),
      `import { writeFileSync } from 'node:fs';\nimport { version } from './version.mjs';\n` +
        `export function f(x) {\n` +
        `  if (x === 3) writeFileSync(new URL('./version.mjs', import.meta.url), 'export const version = () => 2;\\n');\n` +
        `  if (x === 5) process.exit(3);\n` +
        `  return x * 1000 + version();\n}\n`,
    );
    backend = threads({ workers: 1, maxInFlight: 1 });
    const computable = fromFunction(defineProcessor<(x: number) => number>(join(dir, 'proc.mjs'), 'f'), xs);
    expect(computable.code).toBeDefined();
    const partial = await backend.run(computable, { batchSize: 1, errorPolicy: { maxRetries: 0, continueOn: ['E_WORKER_EXIT', 'E_PROCESSOR_CODE_CHANGED'] } });
    expect(partial.completed).toEqual([[0, 5]]);
    expect(partial.result).toBe(sumOf([0, 1, 2, 3, 4], 1));
    expect(partial.failed.map((f) => [f.range[0], codeOf(f.error)])).toEqual([
      [5, 'E_WORKER_EXIT'],
      ...[6, 7, 8, 9].map((x) => [x, 'E_PROCESSOR_CODE_CHANGED']),
    ]);
    expect(String(partial.failed[1]!.error)).toContain(`Expected code ${Object.values(computable.code!)[0]}`);
  });

  it('threads: a module whose code cannot be read (none recorded) runs as before', async () => {
    backend = threads({ workers: 1 });
    const module = `data:text/javascript,${encodeURIComponent('export function f(x) { return x * 1000 + 7; }')}`;
    const computable = fromFunction(defineProcessor<(x: number) => number>(module, 'f'), xs);
    expect(computable.code).toBeUndefined();
    expect(await backend.compute(computable, { batchSize: 3 }).result()).toBe(sumOf(xs, 7));
  });

  it('inline: a processor defined with its function, then its module edited, fails with E_PROCESSOR_CODE_CHANGED instead of running the old function', async () => {
    writeVersion(dir, 1);
    writeFileSync(join(dir, 'proc.mjs'), `import { version } from './version.mjs';\nexport function f(x) {\n  return x * 1000 + version();\n}\n`);
    const module = join(dir, 'proc.mjs');
    const { f } = (await import(pathToFileURL(module).href)) as { f: (x: number) => number };
    // As the module itself does: defineProcessor(import.meta.url, 'f', f) when it is imported.
    const ref = defineProcessor(module, 'f', f);
    backend = inline();
    expect(await backend.compute(fromFunction(ref, xs)).result()).toBe(sumOf(xs, 1));
    writeVersion(dir, 2);
    const edited = fromFunction(ref, xs); // records version 2's code; this process holds version 1's
    const partial = await backend.run(edited, { errorPolicy: { maxRetries: 0, continueOn: ['E_PROCESSOR_CODE_CHANGED'] } });
    expect(partial.completed).toEqual([]);
    expect(partial.failed).toHaveLength(xs.length);
    expect(partial.failed.every((failure) => codeOf(failure.error) === 'E_PROCESSOR_CODE_CHANGED')).toBe(true);
  });

  it.each([
    ['a relative import', './version.mjs'],
    ['an alias of package.json "imports"', '#version'],
  ])('inline: a module reference imported by a first run, then its import (%s) edited, fails with E_PROCESSOR_CODE_CHANGED on the next run', async (_, specifier) => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', imports: { '#version': './version.mjs' } }));
    writeVersion(dir, 1);
    writeFileSync(join(dir, 'proc.mjs'), `import { version } from '${specifier}';\nexport function f(x) {\n  return x * 1000 + version();\n}\n`);
    const ref = defineProcessor<(x: number) => number>(join(dir, 'proc.mjs'), 'f');
    backend = inline();
    expect(await backend.compute(fromFunction(ref, xs)).result()).toBe(sumOf(xs, 1));
    writeVersion(dir, 2);
    const partial = await backend.run(fromFunction(ref, xs), { errorPolicy: { maxRetries: 0, continueOn: ['E_PROCESSOR_CODE_CHANGED'] } });
    expect(partial.completed).toEqual([]);
    expect(partial.failed.map((failure) => codeOf(failure.error))).toEqual(xs.map(() => 'E_PROCESSOR_CODE_CHANGED'));
  });
});
