/**
 * Node arguments for a TypeScript script of the tests (a library driver) run as a child process.
 */
import { fileURLToPath } from 'node:url';

const REGISTER = fileURLToPath(new URL('../setup/compiled-register.mjs', import.meta.url));

/**
 * `--import` of source mode, as `cortado` itself runs from a checkout: the sources the suite
 * compiled once for the run (test/setup/compiled-sources.ts), or tsx outside the suite's setup.
 */
export function tsNodeArgs(): string[] {
  return ['--import', REGISTER];
}
