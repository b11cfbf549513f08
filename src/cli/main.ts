/**
 * Entry of the `cortado` command line, imported by `bin/cortado.js` once tsx is registered (so user
 * processor modules may be TypeScript). Sets the exit code; see `EXIT` in errors.ts.
 */
import { main } from './program.ts';

// `cortado … | head` closes stdout early: stop quietly instead of throwing EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main();
