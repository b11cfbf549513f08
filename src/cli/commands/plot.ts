import { Command, Option } from 'commander';
import { integerFrom } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { CliUsageError, oneLine } from '../errors.ts';
import { isRunFile, readJsonFile } from '../json-file.ts';

interface PlotFlags {
  out: string;
  format: string[];
  width: number;
  height: number;
  errors?: boolean;
}

/**
 * `cortado plot result.json --out plots/`: an SVG and a PNG of every histogram in a result file
 * (written by `cortado run`, or any JSON from `serializeResult`), named after its key path.
 */
export function plotCommand(context: CommandContext): Command {
  return new Command('plot')
    .description('draw every histogram in a result file as SVG and PNG')
    .argument('<result.json>', 'a result file from `cortado run` (or JSON written by serializeResult)')
    .requiredOption('-o, --out <dir>', 'folder to write the plots into (created if needed)')
    .addOption(new Option('--format <formats...>', 'which files to write').choices(['svg', 'png']).default(['svg', 'png']))
    .option('--width <px>', 'image width', integerFrom(100), 800)
    .option('--height <px>', 'image height', integerFrom(100), 600)
    .option('--errors', 'draw error bars')
    .addHelpText('after', '\nExample:\n  $ cortado plot result.json --out plots/   # plots/ZJets.mass.png, plots/ZJets.mass.svg, ...')
    .action(async (file: string, flags: PlotFlags) => {
      const [{ deserializeResult }, { writePlots }] = await Promise.all([import('../../results/serialize.ts'), import('../../results/plot/write.ts')]);
      const json = await readJsonFile(file, 'a result file written by `cortado run`');
      let result: unknown;
      try {
        // A run's result file, a dataset's --out-dir file, or serializeResult()'s output.
        result = deserializeResult(isRunFile(json) || isDatasetFile(json) ? json.result : json);
      } catch (error) {
        throw new CliUsageError(`Expected ${file} to hold a result written by \`cortado run\` or serializeResult(): ${oneLine(error)}`, { cause: error });
      }
      const written = await writePlots(result, flags.out, {
        formats: flags.format as ('svg' | 'png')[],
        width: flags.width,
        height: flags.height,
        ...(flags.errors === undefined ? {} : { errors: flags.errors }),
      });
      if (written.length === 0) {
        const elsewhere = isRunFile(json) ? Object.values((json as { writtenTo?: Record<string, string> }).writtenTo ?? {}) : [];
        const hint = elsewhere.length === 0 ? '' : ` (its datasets were written by --out-dir to ${elsewhere.join(', ')}: plot those files)`;
        throw new CliUsageError(`Expected at least one histogram in ${file}, found none to plot${hint}`);
      }
      for (const path of written) process.stdout.write(`${path}\n`);
      context.setExitCode(0);
    });
}

/** A dataset's file written by `finalize` / `cortado run --out-dir`. */
function isDatasetFile(json: unknown): json is { type: 'cortado.DatasetResult'; result: unknown } {
  return typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'cortado.DatasetResult';
}
