import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CortadoError } from '../../protocol/errors.ts';

/** A processor module outside the worker's allowed roots, or not a local file. */
export class ProcessorNotAllowedError extends CortadoError {
  constructor(module: string, detail: string) {
    super('E_PROCESSOR_NOT_ALLOWED', `This cortado worker refuses to load processor module ${module}: ${detail}`);
  }
}

/** The real paths of `roots` (default: the working directory). */
export function resolveRoots(roots: readonly string[] | undefined): string[] {
  const list = roots === undefined || roots.length === 0 ? [process.cwd()] : roots;
  return list.map((root) => {
    const absolute = resolve(root);
    try {
      return realpathSync(absolute);
    } catch {
      return absolute;
    }
  });
}

/**
 * Checks that a processor module named by a job is a local file under one of `roots` (after
 * following symbolic links), and returns its path. Anything else — an `http:`/`data:`/`node:` URL,
 * a relative path, a file outside the roots — throws {@link ProcessorNotAllowedError}: a worker
 * runs no code that came through the queue, only modules that are already on its disk where it
 * was told to look.
 */
export function checkModule(module: string, roots: readonly string[]): string {
  let path: string;
  if (module.startsWith('file:')) {
    try {
      path = fileURLToPath(module);
    } catch {
      throw new ProcessorNotAllowedError(module, 'expected a file: URL or an absolute path');
    }
  } else if (isAbsolute(module)) path = module;
  else throw new ProcessorNotAllowedError(module, 'expected a file: URL or an absolute path, got another kind of reference');
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new ProcessorNotAllowedError(module, `no such file on this machine (${path}); workers need the processor at the same path as the driver (a shared filesystem or the same image)`);
  }
  for (const root of roots) {
    const rel = relative(root, real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return real;
  }
  throw new ProcessorNotAllowedError(module, `it is not under the allowed roots (${roots.join(', ')}); start the worker with --root <dir> to allow a folder`);
}
