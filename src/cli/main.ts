/**
 * Entry of the `cortado` command line, imported by `bin/cortado.js` once tsx is registered (so user
 * processor modules may be TypeScript). Sets the exit code; see `EXIT` in errors.ts.
 */
import { main } from './program.ts';

process.exitCode = await main();
