import { readFile } from 'node:fs/promises';
import { CliUsageError } from './errors.ts';

/** Whether a parsed JSON value looks like a run file (for `cortado plot`, which also takes bare results). */
export function isRunFile(json: unknown): json is { type: 'cortado.Run'; result: unknown } {
  return typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'cortado.Run';
}

/** Reads a JSON file; problems become one-line {@link CliUsageError}s. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliUsageError(
      code === 'ENOENT' ? `Expected ${what} at ${path}, got no such file` : `Could not read ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliUsageError(`Expected ${path} to hold JSON (${what}), got text that does not parse: ${(error as Error).message}`, { cause: error });
  }
}
