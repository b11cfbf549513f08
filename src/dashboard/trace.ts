import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Task } from '../actors/task.ts';
import { CortadoError } from '../protocol/errors.ts';
import { Recorder, type AttachOptions, type RecorderOptions } from './recorder.ts';
import { TRACE_VERSION, type TraceRecord } from './records.ts';

/** Writes a recorder's records to a JSONL file as they come. */
export interface TraceWriter {
  /** Waits for everything written so far, then closes the file. */
  close(): Promise<void>;
}

/** Options of {@link traceRun}. */
export interface TraceOptions extends RecorderOptions {
  /**
   * Milliseconds between histogram snapshots written while a task runs (the last one is always
   * written when it ends). @defaultValue 2000
   */
  histEveryMs?: number;
}

/** Records tasks to a trace file; `close()` when done (or `await using`). */
export interface Trace extends AsyncDisposable {
  readonly path: string;
  readonly recorder: Recorder;
  /** Records a task; call it right after `compute()`. Returns the task, for chaining. */
  attach<T extends Task<unknown>>(task: T, options?: AttachOptions): T;
  close(): Promise<void>;
}

/** A trace file that cannot be read: not JSONL, not a cortado trace, or of a newer version. */
export class TraceFormatError extends CortadoError {
  /** The trace file. */
  readonly path: string;
  constructor(path: string, message: string) {
    super('E_TRACE_FORMAT', `${path}: ${message}`);
    this.path = path;
  }
}

/**
 * Appends every record of `recorder` to `path` (one JSON object per line), from its history on.
 * While tasks run it also writes their merged histograms every `histEveryMs`.
 */
export async function writeTrace(path: string, recorder: Recorder, histEveryMs = 2000): Promise<TraceWriter> {
  const stream: WriteStream = createWriteStream(path, { flags: 'w' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  const write = (records: readonly TraceRecord[]) => {
    let text = '';
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    if (text !== '') stream.write(text);
  };
  write(recorder.history());
  const stop = recorder.subscribe(write);
  const timer = setInterval(() => {
    for (const id of recorder.taskIds()) {
      const hists = recorder.hists(id);
      if (hists !== undefined && hists.hists.length > 0) write([{ ...hists, t: recorder.now() }]);
    }
  }, histEveryMs);
  timer.unref();
  let closed: Promise<void> | undefined;
  return {
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        clearInterval(timer);
        recorder.flush();
        stop();
        stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
      })),
  };
}

/**
 * Records tasks to a JSONL trace file: the inspection events (sampled), batches, failures,
 * progress, worker memory and histogram snapshots. Replay it with `cortado dashboard <file>`.
 *
 * @example
 * ```ts
 * await using trace = await traceRun('run.jsonl');
 * const task = trace.attach(backend.compute(computable));
 * await task.wait();
 * ```
 */
export async function traceRun(path: string, options: TraceOptions = {}): Promise<Trace> {
  const recorder = new Recorder(options);
  const writer = await writeTrace(path, recorder, options.histEveryMs);
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await recorder.idle().catch(() => undefined);
      recorder.close();
      await writer.close();
    })());
  return {
    path,
    recorder,
    attach(task, attachOptions) {
      recorder.attach(task, attachOptions);
      return task;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Reads a trace file: every record, in order. Throws {@link TraceFormatError} for anything else. */
export async function readTrace(path: string): Promise<TraceRecord[]> {
  const text = await readFile(path, 'utf8');
  const records: TraceRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      // A run killed mid-write leaves a cut last line: keep everything before it.
      if (i >= lines.length - 2) break;
      throw new TraceFormatError(path, `expected one JSON object per line, got ${JSON.stringify(line.slice(0, 40))} on line ${i + 1}`);
    }
    if (typeof record !== 'object' || record === null || typeof (record as { k?: unknown }).k !== 'string') {
      if (records.length === 0) throw new TraceFormatError(path, `expected a cortado trace (JSONL, first a "meta" record), got ${line.slice(0, 60)} on line ${i + 1}`);
      throw new TraceFormatError(path, `expected a record with a kind "k" on line ${i + 1}, got ${line.slice(0, 60)}`);
    }
    records.push(record as TraceRecord);
  }
  const meta = records[0];
  if (meta === undefined || meta.k !== 'meta') throw new TraceFormatError(path, `expected a cortado trace starting with a "meta" record, got ${meta === undefined ? 'an empty file' : `"${meta.k}"`}`);
  if (meta.v > TRACE_VERSION) throw new TraceFormatError(path, `expected trace format version ${TRACE_VERSION} or older, got ${meta.v}: update cortado`);
  return records;
}
