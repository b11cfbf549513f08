import type { SavedError } from './run-file.ts';

/** An error as a run file keeps it: name, code (when it has one) and message. */
export function savedError(error: unknown): SavedError {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const e = error as { name?: unknown; code?: unknown; message?: unknown; constructor?: { name?: string } };
    const name = typeof e.name === 'string' ? (e.name === 'Error' && e.constructor?.name && e.constructor.name !== 'Error' ? e.constructor.name : e.name) : 'Error';
    return { name, ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message) };
  }
  return { name: typeof error, message: String(error) };
}

/** What failures are grouped by in summaries: the error's code, else its class name. */
export function reasonOf(error: { name: string; code?: string }): string {
  return error.code ?? error.name;
}
