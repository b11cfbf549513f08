import { resolve } from 'node:path';
import { Command } from 'commander';
import { backendArgs, backendOptions, collectCodes, integerFrom, progressOption, type BackendFlags, type ProgressMode } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { CliUsageError, EXIT, preparationFailed } from '../errors.ts';
import { formatCount } from '../format.ts';
import { watchInterrupts } from '../interrupt.ts';
import type { SavedFailure } from '../run-file.ts';
import { groupFailures, type SkipReason } from '../summary.ts';

/** The machine-readable summary `cortado prepare --json` prints on stdout. */
export interface PrepareJson {
  readonly command: 'prepare';
  readonly status: 'complete' | 'incomplete';
  readonly exitCode: number;
  /** The prepared data group written. */
  readonly out: string;
  readonly files: number;
  readonly entries: number;
  readonly datasets: ReadonlyArray<{ readonly name: string; readonly files: number; readonly entries: number }>;
  /** Files left out, grouped by reason. */
  readonly skipped: readonly SkipReason[];
  /** Every file left out, with its error. */
  readonly failed: readonly SavedFailure[];
}

// The command's modules, loaded when it runs. Kept out of the action: TypeScript (5.9) does not
// rewrite the `.ts` specifiers of dynamic imports in a function that declares `using`, so the
// compiled package would import files it does not ship (test/build-specifiers.test.ts).
const loadModules = () =>
  Promise.all([import('../../io/dataset/json.ts'), import('../backend.ts'), import('../fileset.ts'), import('../prepare-files.ts')]);

interface PrepareFlags extends BackendFlags {
  fileset: string;
  out: string;
  stepSize?: number;
  alignClusters?: boolean;
  continueOn?: string[];
  retries?: number;
  progress: ProgressMode;
  json?: boolean;
}

/**
 * `cortado prepare --fileset fileset.json --out prepared.json`: opens every file once and saves a
 * data group with entries, clusters, uuids and steps, which `cortado run --fileset` takes as it is.
 */
export function prepareCommand(context: CommandContext): Command {
  const command = new Command('prepare')
    .description('learn entries, clusters and uuids of every file, and save a prepared data group')
    .requiredOption('-f, --fileset <json>', 'coffea fileset or cortado data group')
    .requiredOption('-o, --out <file>', 'where to write the prepared data group (JSON)')
    .option('--step-size <n>', 'events per step [default: 100000]', integerFrom(1))
    .option('--align-clusters', 'cut steps at cluster (row-group) boundaries')
    .option('--continue-on <code>', 'leave out files that fail with this error code or class (repeat or comma-separate)', collectCodes)
    .option('--retries <n>', 'retries of a file that fails to open [default: 3]', integerFrom(0))
    .option('--json', 'print a JSON summary on stdout (nothing else goes there) instead of the text lines');
  for (const option of backendOptions()) command.addOption(option);
  command.addOption(progressOption());
  command.addHelpText(
    'after',
    '\nFiles that cannot be opened are left out (after retries, or at once with --continue-on) and listed;\n' +
      'the exit code is then 2. Example:\n  $ cortado prepare --fileset fileset.json --out prepared.json --step-size 50000',
  );
  command.action(async (flags: PrepareFlags) => {
    const [{ saveDataGroup }, { createBackend }, { readFileset }, { prepareMissing }] = await loadModules();
    const group = await readFileset(flags.fileset);
    using watch = watchInterrupts(() => process.stderr.write('\nInterrupted: nothing written.\n'));
    await using backend = await createBackend(backendArgs(flags));
    // Files that a prepared fileset already describes are prepared again: this command re-learns them all.
    const fresh = { datasets: group.datasets.map((d) => ({ name: d.name, metadata: d.metadata, files: d.files.map((f) => ({ path: f.path, treename: f.treename })) })) };
    const prepared = await prepareMissing(backend, fresh, {
      stepSize: flags.stepSize,
      alignClusters: flags.alignClusters ?? false,
      errorPolicy: { continueOn: flags.continueOn ?? [], ...(flags.retries === undefined ? {} : { maxRetries: flags.retries }) },
      signal: watch.signal,
      progress: flags.progress,
    });
    if (prepared.status === 'cancelled') {
      if (watch.interruption !== undefined) return context.setExitCode(watch.interruption.exitCode);
      throw new CliUsageError(preparationFailed(prepared.error), { exitCode: EXIT.failed });
    }
    await saveDataGroup(flags.out, prepared.group);
    const files = prepared.group.datasets.reduce((n, d) => n + d.files.length, 0);
    const entries = prepared.group.datasets.reduce((n, d) => n + d.files.reduce((m, f) => m + (f.entries ?? 0), 0), 0);
    if (flags.json === true) {
      const summary: PrepareJson = {
        command: 'prepare',
        status: prepared.failed.length > 0 ? 'incomplete' : 'complete',
        exitCode: prepared.failed.length > 0 ? EXIT.incomplete : EXIT.complete,
        out: resolve(flags.out),
        files,
        entries,
        datasets: prepared.group.datasets.map((d) => ({ name: d.name, files: d.files.length, entries: d.files.reduce((m, f) => m + (f.entries ?? 0), 0) })),
        skipped: groupFailures(prepared.failed),
        failed: prepared.failed,
      };
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      process.stdout.write(`Prepared ${formatCount(files)} files (${formatCount(entries)} events) of ${prepared.group.datasets.length} datasets into ${resolve(flags.out)}\n`);
      if (prepared.failed.length > 0) {
        process.stdout.write(`Left out ${prepared.failed.length} file(s) that could not be opened:\n`);
        for (const r of groupFailures(prepared.failed)) process.stdout.write(`  ${r.reason} (${r.name}) × ${r.files}: ${r.message}\n`);
        for (const f of prepared.failed) process.stdout.write(`  - ${f.dataset}: ${f.file}\n`);
      }
    }
    context.setExitCode(prepared.failed.length > 0 ? EXIT.incomplete : EXIT.complete);
  });
  return command;
}
