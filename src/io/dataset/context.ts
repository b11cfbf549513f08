import type { Events } from '../events/events.ts';
import type { FileSpec, Metadata } from './schema.ts';

/** The file a chunk comes from, as a processor sees it. */
export interface ContextFile {
  readonly path: string;
  readonly treename: string;
  readonly uuid?: string;
}

/**
 * Where a chunk of events comes from: the dataset's name and metadata, the file, and the entry range
 * within that file. `M` is the dataset's metadata type, so `context.metadata.xsec` is typed.
 */
export interface EventsContext<M extends object = Metadata> {
  readonly dataset: string;
  readonly file: ContextFile;
  /** Entries `[start, stop)` of the file. */
  readonly range: { readonly start: number; readonly stop: number };
  readonly metadata: M;
  /**
   * Where the run writes its outputs (`mapSteps(…, { output })`, `cortado skim --out`): travels with
   * every chunk, so a worker on another machine writes to the same place. Read by `skim()`.
   */
  readonly output?: string;
}

/** What a processor given to `mapSteps` receives. */
export interface EventsInput<M extends object = Metadata> {
  readonly events: Events;
  readonly context: EventsContext<M>;
}

/** What a function given to `mapFiles` receives: one file and its dataset's context. */
export interface FileInput<M extends object = Metadata> {
  readonly file: FileSpec;
  readonly context: FileContext<M>;
}

/** The context of a whole file (`mapFiles`). */
export interface FileContext<M extends object = Metadata> {
  readonly dataset: string;
  readonly file: ContextFile;
  readonly metadata: M;
}

/** What a function given to `mapFilesBy` receives: the group's key and its files. */
export interface FileGroupInput<M extends object = Metadata> {
  readonly key: string;
  readonly files: ReadonlyArray<FileInput<M>>;
}

/** The file as shown in a context (path, tree, uuid when known). */
export function contextFile(file: FileSpec): ContextFile {
  return file.uuid === undefined ? { path: file.path, treename: file.treename } : { path: file.path, treename: file.treename, uuid: file.uuid };
}
