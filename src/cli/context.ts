import { basename, relative } from 'node:path';

/** What commands share: how cortado was called (for printed commands) and how to set the exit code. */
export interface CommandContext {
  /** The words that call cortado again: `['npx', 'cortado']` or `['node', 'bin/cortado.js']`. */
  readonly program: readonly string[];
  setExitCode(code: number): void;
}

/**
 * How this process was started, as words to paste into a shell: `npx cortado` when run through the
 * package's bin link, else `node <script>` (relative to the working directory when inside it).
 */
export function programWords(argv: readonly string[] = process.argv, cwd: string = process.cwd()): string[] {
  const script = argv[1] ?? 'cortado';
  if (basename(script) === 'cortado') return ['npx', 'cortado'];
  const rel = relative(cwd, script);
  return ['node', rel.startsWith('..') || rel === '' ? script : rel];
}
