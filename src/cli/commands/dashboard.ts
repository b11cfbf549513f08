import { Command } from 'commander';
import { integerFrom } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { CliUsageError, oneLine } from '../errors.ts';

interface DashboardFlags {
  port?: number;
  host?: string;
}

/**
 * `cortado dashboard <trace.jsonl>`: replays a trace recorded with `--trace` in the dashboard page,
 * with a time slider; serves until Ctrl-C.
 */
export function dashboardCommand(context: CommandContext): Command {
  return new Command('dashboard')
    .description('replay a trace recorded with `cortado run --trace` in the dashboard page (with a time slider)')
    .argument('<trace>', 'a JSONL trace file')
    .option('-p, --port <n>', 'port to serve on [default: a free one]', integerFrom(0))
    .option('--host <host>', 'interface to bind (anything but loopback puts a token in the URL)', '127.0.0.1')
    .addHelpText('after', '\nExample:\n  $ cortado run analysis.ts -f fileset.json --trace run.jsonl\n  $ cortado dashboard run.jsonl --port 8765')
    .action(async (trace: string, flags: DashboardFlags) => {
      const { replayDashboard } = await import('../../dashboard/replay.ts');
      let server;
      try {
        server = await replayDashboard(trace, { ...(flags.port === undefined ? {} : { port: flags.port }), ...(flags.host === undefined ? {} : { host: flags.host }) });
      } catch (error) {
        throw new CliUsageError(`Could not replay ${trace}: ${oneLine(error)}`, { cause: error });
      }
      process.stderr.write(`dashboard (replay of ${trace}): ${server.url}\nPress Ctrl-C to stop.\n`);
      const live = server;
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void live.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      context.setExitCode(0);
    });
}
