/**
 * The `cortado` program: `run`, `prepare`, `plot` and `demo`. Errors about arguments and inputs
 * print one line and exit 1; see {@link EXIT} for the other exit codes.
 */
import { Command, CommanderError } from 'commander';
import { dashboardCommand } from './commands/dashboard.ts';
import { demoCommand } from './commands/demo.ts';
import { plotCommand } from './commands/plot.ts';
import { prepareCommand } from './commands/prepare.ts';
import { runCommand } from './commands/run.ts';
import { skimCommand } from './commands/skim.ts';
import { workerCommand } from './commands/worker.ts';
import { programWords, type CommandContext } from './context.ts';
import { CliUsageError, EXIT, oneLine } from './errors.ts';
import { packageVersion } from './version.ts';

/**
 * Builds the `cortado` program (commander), with every command registered.
 *
 * @example
 * ```ts
 * await buildProgram(context).parseAsync(['run', 'examples/dimuon.ts', '--fileset', 'fileset.json'], { from: 'user' });
 * ```
 */
export function buildProgram(context: CommandContext): Command {
  const program = new Command('cortado')
    .description('Chunked map-reduce over event data (ROOT, Parquet): run analyses, prepare filesets, plot results, watch runs')
    .version(packageVersion(), '-V, --version', 'print the version of cortado and exit')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.endsWith('\n') ? text : `${text}\n`) })
    .addHelpText('after', '\nQuickstart:\n  $ npx cortado demo\n\nRun `cortado <command> --help` for the options of a command.');
  for (const make of [runCommand, skimCommand, prepareCommand, plotCommand, demoCommand, workerCommand, dashboardCommand]) program.addCommand(make(context).exitOverride());
  return program;
}

/** Runs the command line and returns the exit code (never throws). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let exitCode: number = EXIT.complete;
  const context: CommandContext = { program: programWords(), setExitCode: (code) => void (exitCode = code) };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its one-line message (or the help); help and version exit 0.
      return error.exitCode === 0 ? 0 : EXIT.usage;
    }
    if (error instanceof CliUsageError) {
      process.stderr.write(`error: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return error.exitCode;
    }
    const code = (error as { code?: unknown } | null)?.code;
    const known = typeof code === 'string' && code.startsWith('E_');
    process.stderr.write(`error: ${oneLine(error)}\n`);
    if (!known && process.env.CORTADO_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return known ? EXIT.usage : EXIT.failed;
  }
}
