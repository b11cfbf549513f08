import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { backendArgs, backendOptions, collectCodes, integerFrom, progressOption, type BackendFlags, type ProgressMode } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { CliUsageError } from '../errors.ts';

interface SkimFlags extends BackendFlags {
  fileset?: string;
  export?: string;
  out?: string;
  stepSize?: number;
  continueOn?: string[];
  retries?: number;
  resume?: string;
  journal: boolean;
  progress: ProgressMode;
  json?: boolean;
}

/** The run file a skim keeps in its folder: what `--resume` continues. */
export const SKIM_RUN_FILE = 'skim-run.json';

/**
 * `cortado skim <module> --fileset <json> --out <dir>`: runs a skim processor (made with `skim()`)
 * over a fileset, writes the selected events under `<dir>/<dataset>/`, the run file
 * `<dir>/skim-run.json` and the data group `<dir>/fileset.json` for the next pass.
 */
export function skimCommand(context: CommandContext): Command {
  const command = new Command('skim')
    .description('write the events a skim processor selects as Parquet files, and a fileset of them for the next pass')
    .argument('[module]', "module exporting a skim processor: defineProcessor(import.meta.url, name, skim(select, { columns }))")
    .option('-f, --fileset <json>', 'coffea fileset or cortado data group (from `cortado prepare`)')
    .option('-e, --export <name>', 'export of the module to run [default: the default export, else the only processor]')
    .option('-o, --out <dir>', 'folder for the skim: <dir>/<dataset>/*.parquet, <dir>/fileset.json, <dir>/skim-run.json')
    .option('--step-size <n>', 'events per chunk (one file per chunk that selects something) [default: prepared steps, else 100000]', integerFrom(1))
    .option('--continue-on <code>', 'skip a chunk or file at once when it fails with this error code or class (repeat or comma-separate)', collectCodes)
    .option('--retries <n>', 'retries of a failing chunk before it is skipped (I/O errors) or cancels the skim [default: 3]', integerFrom(0))
    .option('--resume <dir>', 'continue a skim that stopped: what <dir>/skim-run.json (or its journal) left')
    .option('--no-journal', 'do not keep the crash-safe journal while running')
    .option('--json', 'print a JSON summary on stdout instead of the text summary');
  for (const option of backendOptions()) command.addOption(option);
  command.addOption(progressOption());
  command.addHelpText(
    'after',
    `
The module's skim() may leave out \`out\`: this command sends --out with every chunk (and sets
CORTADO_SKIM_OUT), so workers on other machines (--backend cluster) write there too.
Files are named by dataset, source file and entry range, written to a temporary name and renamed,
so a resumed or repeated skim overwrites its files and never duplicates events.

Exit codes (as \`cortado run\`): 0 complete, 1 bad arguments or inputs, 2 incomplete (some chunks or
files skipped), 3 cancelled by a fatal error, 130 interrupted by Ctrl-C (143 by SIGTERM). In the
last three cases fileset.json lists what was written so far and the resume command is printed.

Examples:
  $ cortado skim dimuons.ts --fileset fileset.json --out skims/
  $ cortado run analysis.ts --fileset skims/fileset.json --out result.json
  $ cortado skim --resume skims/`,
  );
  command.action(async (module: string | undefined, flags: SkimFlags) => {
    const dirArg = flags.resume ?? flags.out;
    if (dirArg === undefined) throw new CliUsageError('Expected --out <dir> (or --resume <dir>), got neither');
    if (flags.resume === undefined && (module === undefined || flags.fileset === undefined)) {
      throw new CliUsageError('Expected a module and --fileset <json> (or --resume <dir>)');
    }
    const dir = resolve(dirArg);
    // Before the module loads and the workers start: skim() in either reads it. Workers on other
    // machines (`cortado worker`) get the folder with each chunk instead (context.output).
    process.env.CORTADO_SKIM_OUT = dir;
    const { executeSkim } = await import('../execute-skim.ts');
    const outcome = await executeSkim({
      dir,
      request: {
        processor: module,
        exportName: flags.export,
        fileset: flags.fileset,
        backend: backendArgs(flags),
        stepSize: flags.stepSize,
        out: join(dir, SKIM_RUN_FILE),
        output: dir,
        continueOn: flags.continueOn ?? [],
        retries: flags.retries,
        resume: flags.resume === undefined ? undefined : join(dir, SKIM_RUN_FILE),
        journal: flags.journal,
        progress: flags.progress,
        program: context.program,
        json: flags.json,
        skimDir: dirArg,
      },
    });
    context.setExitCode(outcome.exitCode);
  });
  return command;
}
