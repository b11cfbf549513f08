import type { Task } from '../actors/task.ts';
import { dashboard, type Dashboard } from '../dashboard/dashboard.ts';
import { statelyInspector, type StatelyInspector } from '../dashboard/stately.ts';
import { traceRun, type Trace } from '../dashboard/trace.ts';
import type { MonitorArgs } from './args.ts';
import { CliUsageError, oneLine } from './errors.ts';

/** A run's dashboard and/or trace, as the CLI options asked. */
export interface Monitor {
  attach(task: Task<unknown>, name: string): void;
  skippedFile(file: string, error: unknown, dataset?: string): void;
  close(): Promise<void>;
}

/**
 * Opens what `--dashboard`, `--dashboard-host`, `--trace` and `--stately` ask for (nothing when
 * none is given), and prints the dashboard's URL with `err`.
 */
export async function openMonitor(args: MonitorArgs, err: (line: string) => void): Promise<Monitor | undefined> {
  const stately = args.stately === undefined ? undefined : openStately(args.stately, err);
  const inner = await openRecording(args, err).catch(async (error: unknown) => {
    await stately?.close();
    throw error;
  });
  if (stately === undefined) return inner;
  return {
    attach: (task, name) => {
      stately.attach(task);
      inner?.attach(task, name);
    },
    skippedFile: (file, error, dataset) => inner?.skippedFile(file, error, dataset),
    close: async () => {
      await Promise.all([inner?.close(), stately.close()]);
    },
  };
}

function openStately(url: string, err: (line: string) => void): StatelyInspector {
  let told = false;
  return statelyInspector({
    url,
    onError: (error) => {
      if (told) return;
      told = true;
      err(`stately: could not reach ${url} (${oneLine(error)}); the run goes on without it`);
    },
  });
}

async function openRecording(args: MonitorArgs, err: (line: string) => void): Promise<Monitor | undefined> {
  const wantsDashboard = args.dashboard !== undefined || args.dashboardHost !== undefined;
  if (!wantsDashboard && args.trace === undefined) return undefined;
  let dash: Dashboard | undefined;
  let trace: Trace | undefined;
  try {
    if (wantsDashboard) {
      dash = await dashboard({
        ...(typeof args.dashboard === 'number' ? { port: args.dashboard } : {}),
        ...(args.dashboardHost === undefined ? {} : { host: args.dashboardHost }),
        ...(args.trace === undefined ? {} : { trace: args.trace }),
      });
      err(`dashboard: ${dash.url}`);
    } else {
      trace = await traceRun(args.trace!);
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new CliUsageError(`Expected a free port for --dashboard, got ${String(args.dashboard)}, which is in use: pick another, or --dashboard alone for any free port`);
    throw new CliUsageError(`Could not open the ${wantsDashboard ? 'dashboard' : 'trace'}: ${oneLine(error)}`, { cause: error });
  }
  const target = dash ?? trace!;
  return {
    attach: (task, name) => void target.attach(task, { name }),
    skippedFile: (file, error, dataset) => target.recorder.skippedFile(file, error, dataset),
    close: () => target.close(),
  };
}
