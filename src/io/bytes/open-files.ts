import { close, stat, type Stats } from 'node:fs';

/**
 * Descriptors of local files kept open after their source closed, one set per thread, so that
 * reopening the same file (one open per chunk of a dataset, the metadata already cached) costs
 * one `stat` of the path instead of open + fstat + close: three thread-pool round trips fewer per
 * chunk, which is most of the cost of a warm open of a small file. A reused descriptor is only
 * handed out when `stat(path)` still finds the same file (device, inode, size, mtime), so a file
 * replaced or rewritten since is opened afresh and gets a new identity.
 *
 * Bounded: at most {@link OPEN_FILES_CAPACITY} idle descriptors (least recently used closed
 * first), each closed after {@link OPEN_FILES_IDLE_MS} unused (an unref'd timer: it never keeps a
 * process alive); {@link closeIdleFiles} closes them all now. A worker thread's descriptors are
 * closed by Node when the thread ends.
 */
export interface OpenFile {
  readonly path: string;
  readonly fd: number;
  readonly stats: Stats;
  readonly identity: string;
  /** Sources using the descriptor now. */
  users: number;
  /** Not to be handed out again (the file changed, or a read on it failed); closed when unused. */
  stale: boolean;
  /** When the last user released it (ms, performance.now()). */
  idleSince: number;
  /** Whether the descriptor was closed (never twice: its number may belong to another file by then). */
  closed: boolean;
}

/** Idle descriptors kept per thread. */
export const OPEN_FILES_CAPACITY = 8;
/** How long an unused descriptor stays open. */
export const OPEN_FILES_IDLE_MS = 2000;

/** By path, least recently used first. */
const files = new Map<string, OpenFile>();
let sweep: NodeJS.Timeout | undefined;

/** The identity of a file as a byte source reports it (see `ByteSource.identity`). */
export function fileIdentity(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/** Stats of `path` (not of a descriptor: a file replaced by rename shows as another inode). */
export function pathStat(path: string): Promise<Stats> {
  return new Promise((resolve, reject) => stat(path, (error, stats) => (error ? reject(error) : resolve(stats))));
}

/** The kept descriptor of `path`, taken for one more user, or undefined. Check it with {@link stillSame}. */
export function takeOpenFile(path: string): OpenFile | undefined {
  const file = files.get(path);
  if (file === undefined || file.stale) return undefined;
  files.delete(path); // most recently used: to the end
  files.set(path, file);
  file.users++;
  return file;
}

/** Whether `stats` (of the path, now) describe the file `file` was opened on. */
export function stillSame(file: OpenFile, stats: Stats): boolean {
  return stats.isFile() && fileIdentity(stats) === file.identity;
}

/** Keeps a freshly opened descriptor for reuse, with its first user; replaces an older one of the path. */
export function keepOpenFile(path: string, fd: number, stats: Stats): OpenFile {
  const file: OpenFile = { path, fd, stats, identity: fileIdentity(stats), users: 1, stale: false, idleSince: 0, closed: false };
  const older = files.get(path);
  if (older) discard(older);
  files.set(path, file);
  return file;
}

/** Marks `file` not to be handed out again; it closes once its users release it. */
export function discard(file: OpenFile): void {
  file.stale = true;
  if (files.get(file.path) === file) files.delete(file.path);
  if (file.users === 0) shut(file);
}

function shut(file: OpenFile, done: () => void = () => {}): void {
  if (file.closed) {
    done();
    return;
  }
  file.closed = true;
  close(file.fd, () => done());
}

/** One user is done with `file`: it stays open for the next open of its path, within the bounds. */
export function releaseOpenFile(file: OpenFile): void {
  file.users--;
  if (file.users > 0) return;
  if (file.stale) {
    shut(file);
    return;
  }
  file.idleSince = performance.now();
  let idle = 0;
  for (const f of files.values()) if (f.users === 0) idle++;
  for (const f of files.values()) {
    if (idle <= OPEN_FILES_CAPACITY) break;
    if (f.users === 0 && f !== file) {
      discard(f);
      idle--;
    }
  }
  if (sweep === undefined) scheduleSweep();
}

function scheduleSweep(): void {
  sweep = setTimeout(() => {
    sweep = undefined;
    const now = performance.now();
    for (const f of [...files.values()]) if (f.users === 0 && now - f.idleSince >= OPEN_FILES_IDLE_MS) discard(f);
    if (files.size > 0) scheduleSweep();
  }, OPEN_FILES_IDLE_MS);
  sweep.unref();
}

/**
 * Closes every kept descriptor no source is using (this thread's), and resolves when they are
 * closed: for a program or test that counts descriptors, or that is done with its files.
 *
 * @example
 * ```ts
 * await task.result();
 * await closeIdleFiles(); // nothing of cortado's left open in this thread
 * ```
 */
export async function closeIdleFiles(): Promise<void> {
  const closing: Promise<void>[] = [];
  for (const f of [...files.values()]) {
    if (f.users > 0) continue;
    f.stale = true;
    files.delete(f.path);
    closing.push(new Promise((resolve) => shut(f, resolve)));
  }
  if (files.size === 0 && sweep !== undefined) {
    clearTimeout(sweep);
    sweep = undefined;
  }
  await Promise.all(closing);
}
