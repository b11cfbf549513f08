import type { Task } from '../actors/task.ts';
import { Recorder, type AttachOptions, type RecorderOptions } from './recorder.ts';
import { startServer, type DashboardServer } from './server.ts';
import { writeTrace, type TraceWriter } from './trace.ts';

/** Options of {@link dashboard}. */
export interface DashboardOptions extends RecorderOptions {
  /** Port to serve on; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to bind. Anything but loopback puts a random token in the URL. @defaultValue '127.0.0.1' */
  host?: string;
  /** Least milliseconds between two frames of records sent to the page. @defaultValue 250 */
  frameMs?: number;
  /** Also record everything to this JSONL trace file (replay it with `cortado dashboard <file>`). */
  trace?: string;
}

/** A live dashboard: attach tasks to it, open {@link Dashboard.url} in a browser. */
export interface Dashboard extends AsyncDisposable {
  /** The page's address, e.g. `http://127.0.0.1:8765/`. */
  readonly url: string;
  readonly port: number;
  /** The recorder behind the page (records, histograms). */
  readonly recorder: Recorder;
  /** Shows a task on the page; call it right after `compute()`. Returns the task, for chaining. */
  attach<T extends Task<unknown>>(task: T, options?: AttachOptions): T;
  /** Lists a file skipped before the run (it could not be opened). */
  skippedFile(file: string, error: unknown, dataset?: string): void;
  /** Stops serving and recording (the trace file is completed). */
  close(): Promise<void>;
}

/**
 * Serves a live dashboard of one or more tasks, on any backend: progress per dataset, failures
 * and retries, a task stream per worker, throughput and memory, the merged histograms so far, and
 * the actors with the supervisor's statechart. Everything is served from the package; nothing is
 * fetched from the network.
 *
 * @example
 * ```ts
 * import { dashboard, threads } from 'cortado';
 *
 * await using backend = threads({ workers: 4 });
 * await using dash = await dashboard({ port: 8765 });
 * console.log(`dashboard: ${dash.url}`);
 * const task = dash.attach(backend.compute(computable), { name: 'dimuon' });
 * await task.result();
 * ```
 */
export async function dashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const recorder = new Recorder(options);
  let trace: TraceWriter | undefined;
  let server: DashboardServer | undefined;
  try {
    if (options.trace !== undefined) trace = await writeTrace(options.trace, recorder);
    server = await startServer(
      {
        mode: 'live',
        history: () => recorder.history(),
        subscribe: (sink) => recorder.subscribe(sink),
        flush: () => recorder.flush(),
        hists: (task) => recorder.hists(task),
      },
      {
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.frameMs === undefined ? {} : { frameMs: options.frameMs }),
      },
    );
  } catch (error) {
    recorder.close();
    await trace?.close();
    throw error;
  }
  const live = server;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      recorder.close();
      await Promise.all([live.close(), trace?.close()]);
    })());
  return {
    url: live.url,
    port: live.port,
    recorder,
    attach(task, attachOptions) {
      recorder.attach(task, attachOptions);
      return task;
    },
    skippedFile: (file, error, dataset) => recorder.skippedFile(file, error, dataset),
    close,
    [Symbol.asyncDispose]: close,
  };
}
