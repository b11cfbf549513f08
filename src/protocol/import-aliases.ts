import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * Where an aliased import specifier leads, as Node and tsx resolve it, for one walk of a processor's
 * imports ({@link moduleCodeFiles}): the paths are those before extension resolution (the caller
 * resolves `.js` written for `.ts` and implied extensions, as for a relative specifier). A
 * package.json or tsconfig that is missing or cannot be read maps nothing (the specifier is left out).
 */
export interface ImportAliases {
  /**
   * The paths tsconfig `paths` (or `baseUrl`) give a non-relative `specifier`, in the order tsx tries
   * them (the first that resolves is the one loaded); empty when none applies.
   */
  tsconfigPaths(specifier: string): readonly string[];
  /**
   * The local path the "imports" of the package.json nearest above `dir` maps `#specifier` to,
   * under the conditions of an `import` (or of a `require()` when `required`); `undefined` when it
   * maps none, or a package.
   */
  packageImport(dir: string, specifier: string, required: boolean): string | undefined;
}

/** Whether `path` is a file (not a folder, not missing). */
export function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * The {@link ImportAliases} of this process: tsconfig `paths` of the tsconfig tsx reads (the file
 * `TSX_TSCONFIG_PATH` names, else the nearest `tsconfig.json` above the working directory, its
 * relative `extends` followed), and package.json "imports" under Node's conditions (`node`,
 * `import` or `require`, `module-sync`, `--conditions` given to this process, `default`). Each file
 * is read at most once, when a specifier first needs it.
 */
export function importAliases(): ImportAliases {
  let paths: TsconfigPaths | null | undefined;
  const scopes = new Map<string, PackageScope | null>();
  return {
    tsconfigPaths(specifier) {
      if (paths === undefined) paths = tsconfigPaths() ?? null;
      return paths === null ? [] : pathAlias(paths, specifier);
    },
    packageImport(dir, specifier, required) {
      const scope = packageScope(dir, scopes);
      if (scope === null) return undefined;
      const { imports } = scope;
      let target: unknown;
      let subpath: string | undefined;
      if (Object.hasOwn(imports, specifier) && !specifier.includes('*')) target = imports[specifier];
      else {
        // Node's pattern match: a key with one `*`, the longest part before it winning, then the longest key.
        let best: string | undefined;
        for (const key of Object.keys(imports)) {
          const star = key.indexOf('*');
          if (star === -1 || key.lastIndexOf('*') !== star || !specifier.startsWith(key.slice(0, star))) continue;
          if (specifier.length < key.length || !specifier.endsWith(key.slice(star + 1))) continue;
          const bestStar = best?.indexOf('*') ?? -1;
          if (best === undefined || star > bestStar || (star === bestStar && key.length > best.length)) best = key;
        }
        if (best === undefined) return undefined;
        target = imports[best];
        const star = best.indexOf('*');
        subpath = specifier.slice(star, specifier.length - (best.length - star - 1));
      }
      const path = packageTarget(scope.dir, target, subpath, required ? REQUIRE_CONDITIONS : IMPORT_CONDITIONS);
      return typeof path === 'string' ? path : undefined;
    },
  };
}

interface TsconfigPaths {
  /** `baseUrl` resolved, when a config sets it: a specifier no pattern matches is then looked up under it. */
  readonly baseUrl: string | undefined;
  readonly exact: ReadonlyMap<string, readonly string[]>;
  readonly patterns: readonly { readonly prefix: string; readonly suffix: string; readonly targets: readonly string[] }[];
}

interface PackageScope {
  readonly dir: string;
  readonly imports: Readonly<Record<string, unknown>>;
}

/** Conditions given to this process (`--conditions x`, `--conditions=x`, `-C x`), as Node adds them to its own. */
const USER_CONDITIONS = process.execArgv.flatMap((arg, i, args) =>
  arg === '--conditions' || arg === '-C' ? (args[i + 1] === undefined ? [] : [args[i + 1]!]) : arg.startsWith('--conditions=') ? [arg.slice(13)] : [],
);
const IMPORT_CONDITIONS: ReadonlySet<string> = new Set(['node', 'import', 'module-sync', ...USER_CONDITIONS, 'default']);
const REQUIRE_CONDITIONS: ReadonlySet<string> = new Set(['node', 'require', 'module-sync', ...USER_CONDITIONS, 'default']);

/** A path segment Node refuses in an "imports" target or in the part a `*` matched. */
const INVALID_SEGMENT = /(?:^|[\\/])(?:\.\.?|node_modules)(?:[\\/]|$)/i;
const RELATIVE = /^\.{1,2}(?:\/.*)?$/;

/**
 * The path an "imports" target maps to: a string (`./…`, its `*`s replaced by `subpath`); `null`
 * when the match ends on something not followed (a package, `null`, an invalid target);
 * `undefined` when no condition matches (Node then tries the next entry of an array or object).
 */
function packageTarget(dir: string, target: unknown, subpath: string | undefined, conditions: ReadonlySet<string>): string | null | undefined {
  if (typeof target === 'string') {
    if (!target.startsWith('./') || INVALID_SEGMENT.test(target.slice(2))) return null;
    if (subpath === undefined) return resolve(dir, target);
    return INVALID_SEGMENT.test(subpath) ? null : resolve(dir, target.replaceAll('*', subpath));
  }
  if (Array.isArray(target)) {
    for (const item of target) {
      const path = packageTarget(dir, item, subpath, conditions);
      if (path !== undefined) return path;
    }
    return undefined;
  }
  if (target === null || typeof target !== 'object') return null;
  for (const [key, value] of Object.entries(target)) {
    if (!conditions.has(key)) continue;
    const path = packageTarget(dir, value, subpath, conditions);
    if (path !== undefined) return path;
  }
  return undefined;
}

/** The package.json above `dir` with its "imports" (Node's package scope), cached by folder; `null` when none or unreadable. */
function packageScope(dir: string, scopes: Map<string, PackageScope | null>): PackageScope | null {
  const cached = scopes.get(dir);
  if (cached !== undefined) return cached;
  let scope: PackageScope | null = null;
  const file = join(dir, 'package.json');
  if (isFile(file)) {
    try {
      const { imports } = JSON.parse(readFileSync(file, 'utf8')) as { imports?: unknown };
      if (imports !== null && typeof imports === 'object' && !Array.isArray(imports)) scope = { dir, imports: imports as Record<string, unknown> };
    } catch {
      // Not JSON: Node fails the import (ERR_INVALID_PACKAGE_CONFIG); the specifier is left out.
    }
  } else if (dirname(dir) !== dir && basename(dir) !== 'node_modules') scope = packageScope(dirname(dir), scopes);
  scopes.set(dir, scope);
  return scope;
}

/** The paths tsconfig `paths` give `specifier` (get-tsconfig's matcher, which tsx uses). */
function pathAlias(paths: TsconfigPaths, specifier: string): readonly string[] {
  if (RELATIVE.test(specifier)) return [];
  const exact = paths.exact.get(specifier);
  if (exact !== undefined) return exact;
  let best: TsconfigPaths['patterns'][number] | undefined;
  for (const pattern of paths.patterns) {
    if (specifier.startsWith(pattern.prefix) && specifier.endsWith(pattern.suffix) && pattern.prefix.length > (best?.prefix.length ?? -1)) best = pattern;
  }
  if (best === undefined) return paths.baseUrl === undefined ? [] : [join(paths.baseUrl, specifier)];
  const matched = specifier.slice(best.prefix.length, specifier.length - best.suffix.length);
  return best.targets.map((target) => target.replace('*', matched));
}

/** The `paths` and `baseUrl` of the tsconfig tsx reads; `undefined` when it has neither or cannot be read. */
function tsconfigPaths(): TsconfigPaths | undefined {
  const named = process.env.TSX_TSCONFIG_PATH;
  const file = named ? resolve(named) : findUp(process.cwd(), 'tsconfig.json');
  if (file === undefined) return undefined;
  try {
    return compilePaths(file);
  } catch {
    return undefined; // not JSON, or an `extends` that cannot be read: tsx then maps nothing either
  }
}

function findUp(dir: string, name: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (isFile(join(at, name))) return join(at, name);
    if (dirname(at) === at) return undefined;
  }
}

interface CompilerLayer {
  readonly dir: string;
  readonly options: { readonly baseUrl?: unknown; readonly paths?: unknown };
}

function compilePaths(file: string): TsconfigPaths | undefined {
  const configDir = dirname(file);
  const withConfigDir = (path: string) => (path.startsWith('${configDir}') ? configDir + path.slice('${configDir}'.length) : path);
  let baseUrl: string | undefined;
  let paths: Record<string, unknown> | undefined;
  let pathsDir = configDir;
  // A later layer (the config itself after those it extends) overrides; `paths` without a
  // `baseUrl` are relative to the config that sets them.
  for (const { dir, options } of compilerLayers(file, new Set([file]))) {
    if (typeof options.baseUrl === 'string') baseUrl = resolve(dir, withConfigDir(options.baseUrl));
    if (options.paths !== null && typeof options.paths === 'object' && !Array.isArray(options.paths)) {
      paths = options.paths as Record<string, unknown>;
      pathsDir = dir;
    }
  }
  if (baseUrl === undefined && paths === undefined) return undefined;
  const base = baseUrl ?? pathsDir;
  const exact = new Map<string, string[]>();
  const patterns: { prefix: string; suffix: string; targets: string[] }[] = [];
  for (const [key, value] of Object.entries(paths ?? {})) {
    if (!Array.isArray(value) || key.split('*').length > 2) continue;
    const targets = value
      .filter((target): target is string => typeof target === 'string' && target.split('*').length <= 2)
      .map(withConfigDir)
      // Without a baseUrl, tsx refuses a target that is not relative ("Did you forget a leading './'?").
      .filter((target) => baseUrl !== undefined || RELATIVE.test(target) || isAbsolute(target))
      .map((target) => resolve(base, target));
    const star = key.indexOf('*');
    if (star === -1) exact.set(key, targets);
    else patterns.push({ prefix: key.slice(0, star), suffix: key.slice(star + 1), targets });
  }
  return { baseUrl, exact, patterns };
}

/** The compiler options of `file` and of the configs it extends by path, those it extends first. */
function compilerLayers(file: string, seen: Set<string>): CompilerLayer[] {
  const config = parseJsonc(readFileSync(file, 'utf8')) as { extends?: unknown; compilerOptions?: unknown } | null;
  if (config === null || typeof config !== 'object') throw new TypeError(`Expected a tsconfig object in ${file}`);
  const layers: CompilerLayer[] = [];
  for (const extended of typeof config.extends === 'string' ? [config.extends] : Array.isArray(config.extends) ? config.extends : []) {
    // An `extends` naming a package (`@tsconfig/node20`) is left out: its paths would lead into node_modules.
    if (typeof extended !== 'string' || !(extended.startsWith('.') || isAbsolute(extended))) continue;
    let path = resolve(dirname(file), extended);
    if (!isFile(path) && isFile(`${path}.json`)) path = `${path}.json`;
    else if (!isFile(path) && isFile(join(path, 'tsconfig.json'))) path = join(path, 'tsconfig.json');
    if (seen.has(path)) continue;
    seen.add(path);
    layers.push(...compilerLayers(path, seen));
  }
  const options = config.compilerOptions;
  if (options !== null && typeof options === 'object') layers.push({ dir: dirname(file), options });
  return layers;
}

/** JSON with comments and trailing commas, as tsconfig files are written. */
function parseJsonc(text: string): unknown {
  const withoutComments = text.replace(/"(?:[^"\\]|\\.)*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (token) => (token.startsWith('"') ? token : ' '));
  return JSON.parse(withoutComments.replace(/"(?:[^"\\]|\\.)*"|,(?=\s*[}\]])/g, (token) => (token.startsWith('"') ? token : '')).replace(/^\uFEFF/, ''));
}
