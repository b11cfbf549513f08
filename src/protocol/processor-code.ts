import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ImportAliases, importAliases, isFile } from './import-aliases.ts';
import type { Processor } from './processor.ts';

/** Most files followed from one processor module (a bound, not a limit a processor should meet). */
const MAX_FILES = 512;

/**
 * Static module specifiers in a source text: `from 'x'`, `import 'x'`, `import('x')`, `require('x')`
 * (the keyword, then the specifier). A match inside a comment or a string only adds a file to the
 * digest; a specifier built at run time is not followed.
 */
const SPECIFIER = /(?:\bfrom|\bimport|\b(require))\s*\(?\s*(['"])([^'"\r\n]+)\2/g;
/** A specifier that names a URL (`node:fs`, `file:…`, `data:…`): no alias applies. */
const URL_SPECIFIER = /^[a-z][a-z0-9+.-]*:/i;

/** What a relative specifier may leave out or name differently (TypeScript's `.js` for `.ts`). */
const SWAPPED: Readonly<Record<string, string>> = { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts', '.jsx': '.tsx' };
/** The folder of cortado's own sources (`src/` in a checkout, the build's folder in a package). */
const OWN_SOURCES = dirname(dirname(fileURLToPath(import.meta.url))) + sep;

const IMPLIED = ['.ts', '.tsx', '.mts', '.js', '.mjs', '/index.ts', '/index.js'];

/**
 * A digest (16 hex digits) of a processor module's code as a worker would load it: the bytes of the
 * module file and of the local files it imports, transitively, through static specifiers resolved
 * as Node and tsx do — relative paths (`./lib/cuts.js`), the aliases of the tsconfig tsx reads
 * (`compilerOptions.paths` and `baseUrl` of the file `TSX_TSCONFIG_PATH` names, else of the nearest
 * `tsconfig.json` above the working directory, with its relative `extends`: `@analysis/cuts`), and
 * the "imports" of the package.json nearest above the importing file (`#lib/cuts`: plain targets,
 * conditions an `import` or a `require()` takes, `*` patterns) — each then the path itself, `.js`
 * written for `.ts`, or an implied extension. Files under `node_modules`, cortado's own sources
 * (versioned by their install), an alias that leads to a package, a specifier computed at run time
 * and data files the code reads are left out; at most 512 files are followed. Any edit to one of
 * those files gives another digest; the same files give the same digest on any machine where they
 * sit at the same place relative to the module. `undefined` when the module is not a readable file
 * (a `data:` or `http:` URL names its code itself).
 *
 * @example
 * ```ts
 * moduleCodeDigest(import.meta.url); // '3f9c0a7e12b4d865'
 * ```
 */
export function moduleCodeDigest(module: string): string | undefined {
  const files = moduleCodeFiles(module);
  if (files === undefined) return undefined;
  const hash = createHash('sha256');
  for (const { name, bytes } of files) hash.update(`${name}\0${bytes.byteLength}\0`).update(bytes);
  return hash.digest('hex').slice(0, 16);
}

/** One file of a processor's code: its path relative to the module's folder, and its bytes. */
export interface CodeFile {
  readonly name: string;
  readonly bytes: Buffer;
}

/**
 * The files {@link moduleCodeDigest} digests, in its order: the module file first, then the local
 * files it imports transitively. Neither `node_modules` nor cortado's own sources are followed (a
 * processor in a checkout of cortado importing `../src/index.ts` would otherwise read all of them
 * for every computable it makes; cortado's code is versioned by its install, like a package's).
 * `undefined` when the module is not a readable file.
 *
 * @example
 * ```ts
 * moduleCodeFiles(import.meta.url)?.map((file) => file.name); // ['analysis.ts', 'lib/cuts.ts']
 * ```
 */
export function moduleCodeFiles(module: string): CodeFile[] | undefined {
  const root = modulePath(module);
  if (root === undefined) return undefined;
  const base = dirname(root);
  const found: CodeFile[] = [];
  const files = [root];
  const seen = new Set(files);
  const aliases = importAliases();
  for (let i = 0; i < files.length && i < MAX_FILES; i++) {
    const file = files[i]!;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      if (i === 0) return undefined;
      continue; // found by a regex match in a comment, or gone: not code that loads
    }
    found.push({ name: relative(base, file).split(sep).join('/'), bytes });
    for (const match of bytes.toString('utf8').matchAll(SPECIFIER)) {
      const target = resolveSpecifier(aliases, dirname(file), match[3]!, match[1] !== undefined);
      if (target !== undefined && !seen.has(target)) {
        seen.add(target);
        files.push(target);
      }
    }
  }
  return found;
}

/**
 * The code identity of a processor: {@link moduleCodeDigest} of a reference's module, or for a
 * function (inline backend) a digest of its name and source text — values its closure captures
 * are not part of it.
 */
export function processorCode(processor: Processor): string | undefined {
  if (typeof processor === 'function') return createHash('sha256').update(`${processor.name}\0${processor.toString()}`).digest('hex').slice(0, 16);
  return moduleCodeDigest(processor.module);
}

/** The code of a computable's processors: a {@link processorCode} digest by processor (`module#export`, or `function name`). */
export type ProcessorCodes = Readonly<Record<string, string>>;

/**
 * The {@link ProcessorCodes} of `processors` (those whose code cannot be read are left out), or
 * `undefined` when none can be: what `Computable.code` holds for cortado's own computables.
 */
export function processorCodes(...processors: readonly Processor[]): ProcessorCodes | undefined {
  const codes: Record<string, string> = {};
  for (const processor of processors) {
    const code = processorCode(processor);
    if (code !== undefined) codes[typeof processor === 'function' ? `function ${processor.name || 'anonymous'}` : `${processor.module}#${processor.exportName}`] = code;
  }
  return Object.keys(codes).length === 0 ? undefined : codes;
}

/** The file of a module reference (`import.meta.url`, a file URL or a path); `undefined` for other URLs. */
function modulePath(module: string): string | undefined {
  if (module.startsWith('file:')) {
    try {
      return fileURLToPath(module);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:\\/i.test(module)) return undefined;
  return resolve(module);
}

/**
 * The local file `specifier` loads from a file in `dir`, as Node and tsx resolve it: a relative
 * path; else tsconfig `paths` (tsx tries them before Node's resolution), then package.json
 * "imports" for `#…`. `undefined` for a package, a URL, or a file under node_modules or cortado's
 * own sources.
 */
function resolveSpecifier(aliases: ImportAliases, dir: string, specifier: string, required: boolean): string | undefined {
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    const path = resolve(dir, specifier.replace(/[?#].*$/, ''));
    return leftOut(path) ? undefined : resolveFile(path);
  }
  if (isAbsolute(specifier) || URL_SPECIFIER.test(specifier)) return undefined;
  for (const candidate of aliases.tsconfigPaths(specifier)) {
    // The first candidate that resolves is what tsx loads, even where it is not followed.
    const path = resolveFile(candidate);
    if (path !== undefined) return leftOut(path) ? undefined : path;
  }
  if (!specifier.startsWith('#')) return undefined;
  const path = aliases.packageImport(dir, specifier, required);
  return path === undefined || leftOut(path) ? undefined : resolveFile(path);
}

/** Whether `path` is versioned by an install rather than digested: under node_modules or cortado's own sources. */
function leftOut(path: string): boolean {
  return path.split(sep).includes('node_modules') || path.startsWith(OWN_SOURCES);
}

/** The file `path` names: itself, `.js` written for `.ts`, or with an implied extension. */
function resolveFile(path: string): string | undefined {
  if (isFile(path)) return path;
  const ext = extname(path);
  const swapped = SWAPPED[ext];
  if (swapped !== undefined && isFile(path.slice(0, -ext.length) + swapped)) return path.slice(0, -ext.length) + swapped;
  for (const implied of IMPLIED) if (isFile(path + implied)) return path + implied;
  return undefined;
}
