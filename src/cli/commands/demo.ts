import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { backendArgs, backendOptions, integerFrom, monitorOptions, progressOption, type BackendFlags, type MonitorArgs, type ProgressMode } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { formatCount, formatDuration } from '../format.ts';

/** The example analysis the demo runs: its TypeScript source in a checkout, compiled in the package. */
export const DEMO_PROCESSOR: string = fileURLToPath(new URL(`../../../examples/dimuon.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

interface DemoFlags extends BackendFlags, MonitorArgs {
  events: number;
  files: number;
  seed: number;
  out: string;
  stepSize?: number;
  progress: ProgressMode;
}

/**
 * `cortado demo`: writes synthetic NanoAOD-like Parquet files (a Z→μμ peak over a falling
 * background, two datasets), runs the example dimuon analysis on them, and writes the result and its
 * plots. Needs no data of one's own: the quickstart.
 */
export function demoCommand(context: CommandContext): Command {
  const command = new Command('demo')
    .description('generate synthetic Z→μμ events, run the example analysis (examples/dimuon.ts) and plot it')
    .option('-n, --events <n>', 'events to generate, over all files', integerFrom(1), 200_000)
    .option('--files <n>', 'Parquet files per dataset (two datasets: DYJetsToLL, SingleMuon)', integerFrom(1), 2)
    .option('--seed <n>', 'generator seed: the same seed writes the same events', integerFrom(0), 1)
    .option('-o, --out <dir>', 'folder for the data, result.json and plots/', 'cortado-demo')
    .option('--step-size <n>', 'events per chunk [default: 100000]', integerFrom(1));
  for (const option of [...backendOptions(), ...monitorOptions()]) command.addOption(option);
  command.addOption(progressOption());
  command.addHelpText('after', '\nExample:\n  $ npx cortado demo --events 1000000 --backend threads');
  command.action(async (flags: DemoFlags) => {
    const [{ generateDemoFileset }, { executeRun }, { createProgressView }] = await Promise.all([
      import('../../io/demo/generate.ts'),
      import('../execute.ts'),
      import('../progress.ts'),
    ]);
    const out = resolve(flags.out);
    const data = join(out, 'data');
    const perFile = Math.ceil(flags.events / (2 * flags.files));
    const t0 = performance.now();
    process.stderr.write(`Generating ${formatCount(perFile * 2 * flags.files)} synthetic events in ${2 * flags.files} Parquet files under ${show(data)} …\n`);
    const view = createProgressView({ mode: flags.progress, label: 'generate', unit: 'events', chunkUnit: 'files' });
    const demo = await generateDemoFileset(data, {
      files: flags.files,
      eventsPerFile: perFile,
      seed: flags.seed,
      onProgress: (g) => {
        const elapsedMs = performance.now() - t0;
        view.update({
          status: 'running',
          elementsDone: g.filesWritten,
          elementsTotal: g.filesTotal,
          entriesDone: g.eventsWritten,
          entriesTotal: g.eventsTotal,
          failures: 0,
          retries: 0,
          rate: elapsedMs > 0 ? (g.eventsWritten / elapsedMs) * 1000 : 0,
          elapsedMs,
        });
      },
    });
    view.stop();
    process.stderr.write(`Generated in ${formatDuration(performance.now() - t0)}; running ${show(DEMO_PROCESSOR)} on ${show(demo.filesetPath)}\n`);
    const outcome = await executeRun({
      processor: DEMO_PROCESSOR,
      fileset: demo.filesetPath,
      backend: backendArgs(flags),
      stepSize: flags.stepSize,
      out: show(join(out, 'result.json')),
      plots: show(join(out, 'plots')),
      continueOn: [],
      progress: flags.progress,
      monitor: { dashboard: flags.dashboard, dashboardHost: flags.dashboardHost, trace: flags.trace, stately: flags.stately },
      program: context.program,
    });
    if (outcome.run !== undefined && outcome.plots.length > 0) {
      const mass = outcome.plots.filter((p) => /\.mass\.png$/.test(p));
      process.stdout.write(`\nThe Z peak: ${mass.map(show).join(', ')}\n`);
      process.stdout.write(`Redraw with: ${context.program.join(' ')} plot ${show(join(out, 'result.json'))} --out ${show(join(out, 'plots'))}\n`);
    }
    context.setExitCode(outcome.exitCode);
  });
  return command;
}

function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
