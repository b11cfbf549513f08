import { Command } from 'commander';
import { backendArgs, backendOptions, collectCodes, integerFrom, monitorOptions, progressOption, type BackendFlags, type MonitorArgs, type ProgressMode } from '../args.ts';
import type { CommandContext } from '../context.ts';

interface RunFlags extends BackendFlags, MonitorArgs {
  fileset?: string;
  export?: string;
  stepSize?: number;
  maxChunks?: number;
  out?: string;
  plots?: string;
  outDir?: string;
  continueOn?: string[];
  retries?: number;
  splitDepth?: number;
  resume?: string;
  journal: boolean;
  progress: ProgressMode;
  json?: boolean;
  verbose?: boolean;
}

/**
 * `cortado run <processor> --fileset <json>`: runs a processor module over a fileset, shows progress,
 * writes the result file (and plots), and prints a summary; an incomplete or interrupted run prints
 * the command that resumes it.
 */
export function runCommand(context: CommandContext): Command {
  const command = new Command('run')
    .description('run a processor module over a fileset and write the result (and plots)')
    .argument('[processor]', 'module (.ts or .js) exporting a processor made with defineProcessor(import.meta.url, name, fn)')
    .option('-f, --fileset <json>', 'coffea fileset or cortado data group (from `cortado prepare`)')
    .option('-e, --export <name>', 'export of the module to run [default: the default export, else the only processor]')
    .option('-o, --out <file>', 'result file to write [default: result.json, or the --resume file]')
    .option('--plots <dir>', 'write an SVG and a PNG of every histogram in the result into <dir>')
    .option('--out-dir <dir>', "write each dataset's result to <dir>/<dataset>.json as soon as that dataset completes, then free it (the result file lists it under writtenTo; kept in the result with --plots)")
    .option('--step-size <n>', 'events per chunk [default: prepared steps, else 100000]', integerFrom(1))
    .option('--max-chunks <n>', 'process at most <n> chunks per dataset (a quick look)', integerFrom(1))
    .option('--continue-on <code>', 'skip a chunk or file at once when it fails with this error code or class (repeat or comma-separate)', collectCodes)
    .option('--retries <n>', 'retries of a failing chunk before it is skipped (I/O errors) or cancels the run [default: 3]', integerFrom(0))
    .option('--split-depth <n>', 'halvings of a chunk that runs out of memory or time (E_WORKER_OOM, E_ELEMENT_TIMEOUT) before it fails as one; 0: no splitting [default: 3]', integerFrom(0))
    .option('--resume <result.json>', 'continue an earlier run: what its result file left (missing ranges, unopened files), or what its journal <result.json>.journal recorded before it was killed')
    .option('--no-journal', 'do not keep the crash-safe journal <out>.journal while running (a killed run then loses its work)')
    .option('--json', 'print a JSON summary on stdout (nothing else goes there) instead of the text summary')
    .option('--verbose', "show cortado's own frames too in a fatal error's stack trace (by default only your code's)");
  for (const option of [...backendOptions(), ...monitorOptions()]) command.addOption(option);
  command.addOption(progressOption());
  command.addHelpText(
    'after',
    `
Exit codes: 0 complete, 1 bad arguments or inputs, 2 incomplete (some chunks or files skipped),
3 cancelled by a fatal error, 130 interrupted by Ctrl-C (143 by SIGTERM). In the last three cases
the partial result is written and the command that resumes the rest is printed.

While it runs, every finished batch is recorded in the journal <out>.journal (a folder); it is
deleted once <out> is written. If the process is killed (kill -9, out of memory, a batch system's
time limit), \`cortado run --resume <out>\` recomputes only what was in flight.

Examples:
  $ cortado run examples/dimuon.ts --fileset fileset.json --out result.json --plots plots/
  $ cortado run analysis.ts -f fileset.json --backend threads --workers 8 --continue-on ENOENT
  $ cortado run --resume result.json
  $ cortado run analysis.ts -f fileset.json --backend threads --dashboard 8765 --trace run.jsonl`,
  );
  command.action(async (processor: string | undefined, flags: RunFlags) => {
    // Loaded here, so that --help and argument errors answer at once.
    const { executeRun } = await import('../execute.ts');
    const outcome = await executeRun({
      processor,
      exportName: flags.export,
      fileset: flags.fileset,
      backend: backendArgs(flags),
      stepSize: flags.stepSize,
      maxChunks: flags.maxChunks,
      out: flags.out,
      plots: flags.plots,
      outDir: flags.outDir,
      continueOn: flags.continueOn ?? [],
      retries: flags.retries,
      splitDepth: flags.splitDepth,
      resume: flags.resume,
      journal: flags.journal,
      progress: flags.progress,
      monitor: { dashboard: flags.dashboard, dashboardHost: flags.dashboardHost, trace: flags.trace, stately: flags.stately },
      program: context.program,
      json: flags.json,
      verbose: flags.verbose,
    });
    context.setExitCode(outcome.exitCode);
  });
  return command;
}
