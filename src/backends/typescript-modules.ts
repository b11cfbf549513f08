import { TypeScriptLoaderError } from '../protocol/errors.ts';

const TYPESCRIPT = /\.(?:ts|mts|cts|tsx)$/i;
const MARKER = Symbol.for('cortado.typescript');
const INSTALL = 'npm install --save-dev tsx';

let ready: Promise<void> | undefined;

/** Whether importing `url` needs a TypeScript loader (its path ends in .ts, .mts, .cts or .tsx). */
export function isTypeScriptModule(url: string): boolean {
  return TYPESCRIPT.test(new URL(url, 'file:///').pathname);
}

/**
 * Makes this thread able to import the module at `url`: for a TypeScript module, registers tsx
 * (an optional peer dependency) unless this thread already imports TypeScript (started with
 * `tsx`, under vitest, or after an earlier registration). The check imports a one-line TypeScript
 * probe that ships with cortado, so it holds in each thread on its own. Throws a
 * {@link TypeScriptLoaderError} naming the install command when tsx is missing.
 *
 * @example
 * ```ts
 * await prepareModuleImport(url);
 * const mod = await import(url);
 * ```
 */
export function prepareModuleImport(url: string, what = `the processor module ${url}`): Promise<void> {
  if (!isTypeScriptModule(url)) return Promise.resolve();
  ready ??= registerTypeScript(what);
  ready.catch(() => (ready = undefined));
  return ready;
}

async function registerTypeScript(what: string): Promise<void> {
  const global = globalThis as Record<symbol, unknown>;
  if (global[MARKER] === true) return;
  try {
    // A URL, not a relative specifier: the build must not rewrite this `.ts` to `.js`.
    await import(new URL('./typescript.probe.ts', import.meta.url).href);
    global[MARKER] = true;
    return;
  } catch {
    // This thread cannot import TypeScript yet: register tsx below.
  }
  let api: { register: () => unknown };
  try {
    api = (await import('tsx/esm/api')) as { register: () => unknown };
  } catch (error) {
    throw new TypeScriptLoaderError(
      `Expected tsx to be installed to load ${what} (a TypeScript module), got none: install it with \`${INSTALL}\`, or compile the module to JavaScript`,
      { cause: error },
    );
  }
  api.register();
  global[MARKER] = true;
}
