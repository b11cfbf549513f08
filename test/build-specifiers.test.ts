// The compiled package must import only files it ships. Sources import each other with `.ts`
// specifiers, which the build (tsconfig.build.json, rewriteRelativeImportExtensions) rewrites to
// `.js`; TypeScript skips that rewrite in some places (dynamic imports in a function that declares
// `using`), and such a file then fails in an installed package alone (`cortado prepare` did:
// "Cannot find module …/json.ts"). Each source is compiled here with the build's options, as the
// build emits it, and its output is searched for a relative `.ts` specifier.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The build's compiler options (tsconfig.build.json, with what it extends), comments dropped. */
function buildOptions(): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.build.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);
  return { ...parsed.options, removeComments: true, declaration: false, sourceMap: false };
}

/** Relative `.ts`/`.mts`/`.cts`/`.tsx` specifiers left in compiled JavaScript: static and dynamic imports, re-exports. */
function tsSpecifiers(js: string): string[] {
  const found: string[] = [];
  for (const m of js.matchAll(/(?:\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*\.(?:[mc]?ts|tsx))\1/g)) found.push(m[2]!);
  return found;
}

function compile(fileName: string, source: string, options: ts.CompilerOptions): string {
  return ts.transpileModule(source, { fileName, compilerOptions: options }).outputText;
}

describe('the build rewrites every relative .ts import to .js', () => {
  const options = buildOptions();

  it('finds an unrewritten specifier where TypeScript leaves one (a dynamic import beside `using`)', () => {
    // The check itself: this shape kept './a.ts' in TypeScript 5.9's output.
    const source = [
      "export async function f() {",
      "  const m = await import('./a.ts');",
      '  using w = { [Symbol.dispose]() {} };',
      '  return m;',
      '}',
      "export async function g() { return import('./b.ts'); }",
    ].join('\n');
    const js = compile('sample.ts', source, options);
    expect(js).toContain('./b.js');
    expect(tsSpecifiers("import x from './x.ts'; export * from \"../y.mts\"; import('./z.tsx'); import './w.ts';")).toEqual(['./x.ts', '../y.mts', './z.tsx', './w.ts']);
    expect(tsSpecifiers("import x from './x.js'; import('pkg/a.ts'); const s = 'a.ts';")).toEqual([]);
  });

  it('leaves no relative .ts specifier in any compiled file of src/ and examples/', () => {
    const left: string[] = [];
    for (const dir of ['src', 'examples']) {
      for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
        const name = entry.name;
        if (!entry.isFile() || !/\.(?:[mc]?ts|tsx)$/.test(name) || /\.d\.[mc]?ts$/.test(name) || name.endsWith('.probe.ts')) continue;
        const path = join(entry.parentPath, name);
        const js = compile(path, readFileSync(path, 'utf8'), options);
        for (const specifier of tsSpecifiers(js)) left.push(`${relative(root, path)}: ${specifier}`);
      }
    }
    expect(left).toEqual([]);
  }, 120_000);   // ~300 files: seconds alone, longer on a loaded machine
});
