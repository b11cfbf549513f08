import { fileURLToPath } from 'node:url';

/** cortado's own modules: `src/` in a checkout, `dist/src/` in the package. */
const RUNTIME_DIR = fileURLToPath(new URL('..', import.meta.url));
const RUNTIME_URL = new URL('..', import.meta.url).href;

/** Whether a stack frame line belongs to cortado, its dependencies or Node itself, not to the user's code. */
export function isRuntimeFrame(line: string): boolean {
  return (
    line.includes(RUNTIME_DIR) ||
    line.includes(RUNTIME_URL) ||
    line.includes('/node_modules/') ||
    /\(node:|at node:|\(<anonymous>\)|\(index \d+\)/.test(line)
  );
}

/**
 * An error's stack trace as the CLI shows it: the error line, then only the frames in the user's
 * code (file:line of the processor module), for the error and each `cause`; with `verbose`, every
 * frame (cortado's own too).
 *
 * @example
 * ```ts
 * process.stderr.write(`${stackTrace(error, false)}\n`);
 * // TypeError: Cannot read properties of undefined (reading 'pt')
 * //     at file:///home/me/analysis.ts:12:31
 * ```
 */
export function stackTrace(error: unknown, verbose: boolean): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    parts.push(`${depth === 0 ? '' : 'Caused by: '}${oneError(current, verbose)}`);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

function oneError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error) && !(typeof error === 'object' && error !== null && 'message' in error)) return String(error);
  const e = error as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown };
  const code = typeof e.code === 'string' ? ` [${e.code}]` : '';
  const head = `${String(e.name ?? 'Error')}${code}: ${String(e.message)}`;
  const frames = (typeof e.stack === 'string' ? e.stack.split('\n') : []).filter((l) => /^\s+at /.test(l));
  const shown = verbose ? frames : frames.filter((l) => !isRuntimeFrame(l));
  const hidden = frames.length - shown.length;
  const note = hidden > 0 && !verbose ? [`    … ${hidden} frame${hidden === 1 ? '' : 's'} of cortado and Node (--verbose shows them)`] : [];
  return [head, ...shown, ...note].join('\n');
}
