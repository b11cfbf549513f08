// Module hooks of source mode (source-mode.mjs) when CORTADO_COMPILED_SOURCES names a folder of this
// checkout's TypeScript compiled to JavaScript beforehand (the test suite's global setup writes one
// per run: test/setup/compiled-sources.ts). A `.ts` module then loads its compiled JavaScript, read
// once, instead of tsx transforming it or reading tsx's cache in every process and thread: that was
// most of the CPU time of a short `cortado` command started by a test. A `.ts` file not in the
// folder, or changed since it was compiled, is compiled here with the same options. Never part of
// the published package (its dist/ is JavaScript).
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

let folder;
let manifest;
let esbuild;

/** `data.folder`: the compiled sources (a manifest.json naming a .js file per source path). */
export function initialize(data) {
  folder = data.folder;
  manifest = JSON.parse(readFileSync(`${folder}/manifest.json`, 'utf8'));
}

const TYPESCRIPT = /\.(?:ts|mts)$/;

/** `cortado` and `cortado/…` resolve to the sources (the `cortado-source` export condition). */
export function resolve(specifier, context, next) {
  if (specifier !== 'cortado' && !specifier.startsWith('cortado/')) return next(specifier, context);
  return next(specifier, { ...context, conditions: [...context.conditions, 'cortado-source'] });
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname)) return next(url, context);
  const path = fileURLToPath(url);
  const entry = manifest.files[path];
  const { mtimeMs, size } = statSync(path);
  if (entry !== undefined && entry.mtimeMs === mtimeMs && entry.size === size) {
    return { format: 'module', source: readFileSync(`${folder}/${entry.out}`, 'utf8'), shortCircuit: true };
  }
  // tsx's compiler, from where tsx finds it (a development dependency of a checkout).
  esbuild ??= createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
  const { code } = await esbuild.transform(readFileSync(path, 'utf8'), { ...manifest.options, sourcefile: path });
  return { format: 'module', source: code, shortCircuit: true };
}
