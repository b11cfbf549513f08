import { readTrace } from './trace.ts';
import { startServer, type DashboardServer, type ServerOptions } from './server.ts';

/**
 * Serves a recorded trace in the dashboard page, with a time slider to go back and forth in the
 * run. Keeps the process alive until `close()`.
 *
 * @example
 * ```ts
 * const replay = await replayDashboard('run.jsonl', { port: 8765 });
 * console.log(replay.url);
 * ```
 */
export async function replayDashboard(path: string, options: ServerOptions = {}): Promise<DashboardServer> {
  const records = await readTrace(path);
  return startServer({ mode: 'replay', history: () => records }, { keepAlive: true, ...options });
}
